#!/usr/bin/env bash
# Runs the real release binary in a pseudo-terminal (tmux) and measures what BENCHMARKS.md
# reports: time to first frame, idle CPU and terminal output per second with countdowns
# ticking, and resident memory — on the embedded demo, or with --large against
# `shiftlead simulate --scale large`.
#
#   scripts/measure.sh            # demo, 200×60, 60 s idle window
#   scripts/measure.sh --large    # the large preset (2,000 teammates, 100,000 conversations)
#   scripts/measure.sh --xl       # the xl preset (10,000 teammates, 500,000 conversations)
#   IDLE_SECONDS=30 scripts/measure.sh
#   EXTRA_ARGS="--refresh 15s" scripts/measure.sh --large
#   TEAM=1 scripts/measure.sh --large   # a team dashboard: nats-server (on PATH) and one
#                                        # relay polling the simulator; the relay's CPU too
set -euo pipefail

cd "$(dirname "$0")/.."
large=false
scale=""
case "${1:-}" in
--large) large=true scale=large ;;
--xl) large=true scale=xl ;;
esac
idle=${IDLE_SECONDS:-60}
cols=200
rows=60

command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }
# BIN: another build of the binary (e.g. an unstripped one for PERF_OUT).
if [[ -z "${BIN:-}" ]]; then
    cargo build --release --quiet
fi
bin=${BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/shiftlead}
work=$(mktemp -d)
socket="shiftlead-measure-$$"
sim_pid=""
nats_pid=""
relay_pid=""
cleanup() {
    tmux -L "$socket" kill-server 2>/dev/null || true
    [[ -n "$relay_pid" ]] && { kill "$relay_pid" 2>/dev/null; wait "$relay_pid" 2>/dev/null; } || true
    [[ -n "$nats_pid" ]] && { kill "$nats_pid" 2>/dev/null; wait "$nats_pid" 2>/dev/null; } || true
    [[ -n "$sim_pid" ]] && { kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; } || true
    rm -rf "$work"
}
trap cleanup EXIT

args=()
if $large; then
    port=$((20000 + RANDOM % 10000))
    "$bin" simulate --scale "$scale" --listen "127.0.0.1:$port" --token measure --rate-limit 1000 \
        >"$work/sim.log" 2>&1 &
    sim_pid=$!
    for _ in $(seq 1 1200); do grep -q listening "$work/sim.log" 2>/dev/null && break; sleep 0.1; done
    printf '[backend]\nkind = "intercom"\nbase_url = "http://127.0.0.1:%s"\ntimeout = "120s"\n' \
        "$port" >"$work/config.toml"
    args=(--config "$work/config.toml")
fi
if [[ -n "${TEAM:-}" ]]; then
    $large || { echo "TEAM=1 needs --large or --xl" >&2; exit 1; }
    command -v nats-server >/dev/null || { echo "TEAM=1 needs nats-server on PATH" >&2; exit 1; }
    nport=$((30000 + RANDOM % 10000))
    nats-server -js -a 127.0.0.1 -p "$nport" -sd "$work/js" >"$work/nats.log" 2>&1 &
    nats_pid=$!
    for _ in $(seq 1 100); do grep -q "Server is ready" "$work/nats.log" 2>/dev/null && break; sleep 0.1; done
    printf '[relay]\nnats_url = "nats://127.0.0.1:%s"\nworkspace = "measure"\n' "$nport" \
        >>"$work/config.toml"
    printf '[backend]\nkind = "team"\nnats_url = "nats://127.0.0.1:%s"\nworkspace = "measure"\n' \
        "$nport" >"$work/team.toml"
    HOME=$work XDG_STATE_HOME=$work/relay-state XDG_DATA_HOME=$work/relay-data INTERCOM_TOKEN=measure \
        "$bin" --config "$work/config.toml" relay --id measure >"$work/relay.log" 2>&1 &
    relay_pid=$!
    # Warm: the relay has published the whole workspace once.
    warm_until=$((SECONDS + ${WARM_TIMEOUT:-900}))
    until HOME=$work XDG_STATE_HOME=$work/probe XDG_DATA_HOME=$work/probe \
        "$bin" --config "$work/team.toml" snapshot --json >/dev/null 2>&1; do
        kill -0 "$relay_pid" 2>/dev/null || { echo "the relay stopped" >&2; cat "$work/relay.log" >&2; exit 1; }
        ((SECONDS < warm_until)) || { echo "the relay published nothing within ${WARM_TIMEOUT:-900} s" >&2; exit 1; }
        sleep 2
    done
    args=(--config "$work/team.toml")
fi

# The pane runs a shell that waits for the output pipe, stamps the start time and execs the
# binary, so the first-frame time covers process start to the first full screen.
cat >"$work/run.sh" <<EOF
#!/usr/bin/env bash
while [[ ! -e $work/piping ]]; do sleep 0.01; done
date +%s%N >$work/start
export HOME=$work XDG_CONFIG_HOME=$work/config XDG_STATE_HOME=$work/state XDG_DATA_HOME=$work/data
export INTERCOM_TOKEN=measure
exec $bin ${args[*]} ${EXTRA_ARGS:-}
EOF
chmod +x "$work/run.sh"
tmux -L "$socket" new-session -d -s m -x "$cols" -y "$rows" "$work/run.sh"
tmux -L "$socket" pipe-pane -o -t m "cat >>$work/out"
touch "$work/piping"

# First frame: the first time the status line ("data … old") reaches the terminal.
deadline=$((SECONDS + ${FRAME_TIMEOUT:-120}))
until [[ -s "$work/out" ]] && grep -qa "old" "$work/out"; do
    ((SECONDS < deadline)) || { echo "no frame within ${FRAME_TIMEOUT:-120} s" >&2; exit 1; }
    sleep 0.005
done
first=$(date +%s%N)
start=$(cat "$work/start")
pid=$(tmux -L "$socket" display -p -t m '#{pane_pid}')

sleep 10 # let the first refreshes settle
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
[[ -n "$relay_pid" ]] && r0=$(awk '{print $14 + $15}' "/proc/$relay_pid/stat")
b0=$(stat -c %s "$work/out")
# PERF_OUT=file: also sample where the idle CPU goes (perf's cpu-clock, no hardware counters).
[[ -n "${PERF_OUT:-}" ]] && perf record -q -e cpu-clock ${PERF_ARGS:--g} -p "$pid" -o "$PERF_OUT" -- sleep "$idle" 2>/dev/null &
sleep "$idle"
t1=$(ticks)
[[ -n "$relay_pid" ]] && r1=$(awk '{print $14 + $15}' "/proc/$relay_pid/stat")
b1=$(stat -c %s "$work/out")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "workspace: $($large && echo "$scale preset" || echo 'embedded demo')${TEAM:+, team dashboard behind one relay}, terminal ${cols}x${rows}"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "first frame: $(((first - start) / 1000000)) ms from process start"
# The app's log stamps the end of the first full read and the first frame with data.
log=$(find "$work" -name shiftlead.log 2>/dev/null | head -1)
if [[ -n "$log" ]]; then
    stamp() { { grep -m1 "$1" "$log" || true; } | awk '{print $1}' | sed 's/\x1b\[[0-9;]*m//g'; }
    read_done=$(stamp "full read done")
    drawn=$(stamp "first frame with data drawn")
    if [[ -n "$read_done" && -n "$drawn" ]]; then
        ms=$((($(date -d "$drawn" +%s%N) - $(date -d "$read_done" +%s%N)) / 1000000))
        echo "first frame: $ms ms after the first full read completed (read: $(((($(date -d "$read_done" +%s%N) - start)) / 1000000)) ms from process start)"
    fi
fi
awk -v t="$((t1 - t0))" -v hz="$hz" -v s="$idle" \
    'BEGIN { printf "idle CPU: %.2f %% of one core over %d s\n", 100 * t / hz / s, s }'
awk -v b="$((b1 - b0))" -v s="$idle" \
    'BEGIN { printf "terminal output: %.0f bytes/s over %d s\n", b / s, s }'
echo "memory: RSS $((rss / 1024)) MB now, peak $((hwm / 1024)) MB"
if [[ -n "$relay_pid" ]]; then
    awk -v t="$((r1 - r0))" -v hz="$hz" -v s="$idle" \
        'BEGIN { printf "relay CPU: %.2f %% of one core over %d s\n", 100 * t / hz / s, s }'
    echo "relay memory: RSS $(($(awk '/VmRSS/ {print $2}' "/proc/$relay_pid/status") / 1024)) MB"
fi
