#!/usr/bin/env python3
"""Render a terminal capture with SGR colour codes (`tmux capture-pane -p -e`) as an SVG.

Usage: ansi2svg.py COLS ROWS < capture.ansi > screen.svg

Only what tmux emits is understood: SGR attributes (bold, dim, italic, underline, reverse),
the 16 colours, 256-colour and true-colour forms. Each character is placed on its own cell
column, so wide symbols (two cells) and box drawing stay aligned whatever the font.
"""

import html
import re
import sys
import unicodedata

BASE16 = [
    "#1d1f21", "#cc6666", "#b5bd68", "#f0c674", "#81a2be", "#b294bb", "#8abeb7", "#c5c8c6",
    "#666666", "#d54e53", "#b9ca4a", "#e7c547", "#7aa6da", "#c397d8", "#70c0b1", "#eaeaea",
]
FG, BG = "#c5c8c6", "#1d1f21"
CELL_W, CELL_H, FONT = 8.4, 17, 14


def colour256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


def sgr(params, st):
    codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            st.clear()
        elif c in (1, 2, 3, 4, 7):
            st[{1: "bold", 2: "dim", 3: "italic", 4: "under", 7: "rev"}[c]] = True
        elif c == 22:
            st.pop("bold", None)
            st.pop("dim", None)
        elif c in (23, 24, 27):
            st.pop({23: "italic", 24: "under", 27: "rev"}[c], None)
        elif 30 <= c <= 37 or 90 <= c <= 97:
            st["fg"] = BASE16[c - 30 if c < 90 else c - 90 + 8]
        elif 40 <= c <= 47 or 100 <= c <= 107:
            st["bg"] = BASE16[c - 40 if c < 100 else c - 100 + 8]
        elif c in (38, 48) and i + 1 < len(codes):
            key = "fg" if c == 38 else "bg"
            if codes[i + 1] == 5 and i + 2 < len(codes):
                st[key] = colour256(codes[i + 2])
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                st[key] = "#%02x%02x%02x" % tuple(codes[i + 2 : i + 5])
                i += 4
        elif c == 39:
            st.pop("fg", None)
        elif c == 49:
            st.pop("bg", None)
        i += 1


def cells(line):
    """Yields (column, char, style) for one captured line."""
    st, col = {}, 0
    for m in re.finditer(r"\x1b\[([0-9;]*)m|\x1b[^m]*?m|(.)", line):
        if m.group(2) is None:
            if m.group(0).startswith("\x1b["):
                sgr(m.group(1), st)
            continue
        ch = m.group(2)
        if unicodedata.combining(ch):
            continue
        yield col, ch, dict(st)
        col += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def main():
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    lines = sys.stdin.read().split("\n")[:rows]
    w, h = cols * CELL_W, rows * CELL_H
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="0 0 {w:.1f} {h}">',
        f'<rect width="100%" height="100%" fill="{BG}"/>',
        f'<g xml:space="preserve" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT}">',
    ]
    for y, line in enumerate(lines):
        run, run_attrs = [], None
        for x, ch, st in list(cells(line)) + [(None, None, None)]:
            attrs, wide = None, 1
            if ch is not None:
                fg, bg = st.get("fg", FG), st.get("bg")
                if st.get("rev"):
                    fg, bg = bg or BG, fg
                wide = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
                if bg:
                    out.append(
                        f'<rect x="{x * CELL_W:.1f}" y="{y * CELL_H}" '
                        f'width="{wide * CELL_W:.1f}" height="{CELL_H}" fill="{bg}"/>'
                    )
                attrs = f'fill="{fg}"'
                for key, svg in (
                    ("bold", ' font-weight="bold"'),
                    ("dim", ' fill-opacity="0.6"'),
                    ("italic", ' font-style="italic"'),
                    ("under", ' text-decoration="underline"'),
                ):
                    if st.get(key):
                        attrs += svg
            # A run of one style is one <text> stretched to its cells; a wide symbol is a run
            # of its own, so fonts with other advances cannot shift the columns after it.
            if run and (attrs != run_attrs or ch is None or wide == 2 or run[-1][2] == 2):
                x0, n = run[0][0], run[-1][0] + run[-1][2] - run[0][0]
                text = html.escape("".join(c for _, c, _ in run))
                out.append(
                    f'<text x="{x0 * CELL_W:.1f}" y="{y * CELL_H + CELL_H - 4}" '
                    f'textLength="{n * CELL_W:.1f}" lengthAdjust="spacingAndGlyphs" '
                    f"{run_attrs}>{text}</text>"
                )
                run = []
            if ch is not None:
                if run or ch != " ":
                    run.append((x, ch, wide))
                    run_attrs = attrs
    out.append("</g></svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
