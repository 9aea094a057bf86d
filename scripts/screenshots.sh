#!/usr/bin/env bash
# Regenerates the screenshots in assets/ from real runs of the release binary in tmux:
# the demo at 80×24, 120×36 and 200×60, the Zendesk demo at 120×36, and the colour screen at
# 120×36 as an SVG (rendered from tmux's own capture with its colour codes, scripts/ansi2svg.py).
# SHIFTLEAD_DEMO_AT=<timestamp> stops the demo's clock there for a reproducible run; without
# it the demo runs on the wall clock, as a user sees it.
#
# Usage: scripts/screenshots.sh            (needs tmux and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "screenshots.sh: tmux is needed" >&2; exit 1; }
cargo build --release --quiet
bin="$PWD/target/release/shiftlead"
at="${SHIFTLEAD_DEMO_AT:+SHIFTLEAD_DEMO_AT=$SHIFTLEAD_DEMO_AT}"
home="$(mktemp -d)"
trap 'tmux -L shots kill-session -t shots 2>/dev/null || true; rm -rf "$home"' EXIT

# shot COLS ROWS OUT [demo args...]: starts the demo, waits for its first data, captures it.
shot() {
  local cols="$1" rows="$2" out="$3"
  shift 3
  tmux -L shots kill-session -t shots 2>/dev/null || true
  rm -rf "$home"/*
  tmux -L shots new-session -d -s shots -x "$cols" -y "$rows" \
    "env HOME=$home XDG_STATE_HOME=$home/state XDG_DATA_HOME=$home/data XDG_CONFIG_HOME=$home/config $at $bin $*"
  for _ in $(seq 1 100); do
    if tmux -L shots capture-pane -p -t shots | grep -q "data .* old"; then break; fi
    sleep 0.2
  done
  sleep 1
  tmux -L shots capture-pane -p -t shots | sed -e 's/[[:space:]]*$//' > "assets/$out.txt"
  if [[ "${COLOUR:-}" == 1 ]]; then
    tmux -L shots capture-pane -p -e -t shots > "$home/screen.ansi"
    python3 scripts/ansi2svg.py "$cols" "$rows" < "$home/screen.ansi" > "assets/$out.svg"
  fi
  echo "assets/$out.txt"
}

shot 80 24 screenshot-80x24 --demo intercom
COLOUR=1 shot 120 36 screenshot-120x36 --demo intercom
shot 200 60 screenshot-200x60 --demo intercom
shot 120 36 screenshot-zendesk-120x36 --demo zendesk
