#!/usr/bin/env bash
# Runs the real release binary in a pseudo-terminal (tmux) and measures what BENCHMARKS.md
# reports: time to first frame, idle CPU and terminal output per second with countdowns
# ticking, and resident memory — on the embedded demo, or with --large against
# `shiftlead simulate --scale large`.
#
#   scripts/measure.sh            # demo, 200×60, 60 s idle window
#   scripts/measure.sh --large    # the large preset (2,000 teammates, 100,000 conversations)
#   IDLE_SECONDS=30 scripts/measure.sh
#   EXTRA_ARGS="--refresh 15s" scripts/measure.sh --large
set -euo pipefail

cd "$(dirname "$0")/.."
large=false
[[ "${1:-}" == "--large" ]] && large=true
idle=${IDLE_SECONDS:-60}
cols=200
rows=60

command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/shiftlead
work=$(mktemp -d)
socket="shiftlead-measure-$$"
sim_pid=""
cleanup() {
    tmux -L "$socket" kill-server 2>/dev/null || true
    [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

args=()
if $large; then
    port=$((20000 + RANDOM % 10000))
    "$bin" simulate --scale large --listen "127.0.0.1:$port" --token measure --rate-limit 1000 \
        >"$work/sim.log" 2>&1 &
    sim_pid=$!
    for _ in $(seq 1 300); do grep -q listening "$work/sim.log" 2>/dev/null && break; sleep 0.1; done
    printf '[backend]\nkind = "intercom"\nbase_url = "http://127.0.0.1:%s"\ntimeout = "60s"\n' \
        "$port" >"$work/config.toml"
    args=(--config "$work/config.toml")
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
deadline=$((SECONDS + 120))
until [[ -s "$work/out" ]] && grep -qa "old" "$work/out"; do
    ((SECONDS < deadline)) || { echo "no frame within 120 s" >&2; exit 1; }
    sleep 0.005
done
first=$(date +%s%N)
start=$(cat "$work/start")
pid=$(tmux -L "$socket" display -p -t m '#{pane_pid}')

sleep 10 # let the first refreshes settle
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
b0=$(stat -c %s "$work/out")
sleep "$idle"
t1=$(ticks)
b1=$(stat -c %s "$work/out")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "workspace: $($large && echo 'large preset' || echo 'embedded demo'), terminal ${cols}x${rows}"
echo "first frame: $(((first - start) / 1000000)) ms from process start"
awk -v t="$((t1 - t0))" -v hz="$hz" -v s="$idle" \
    'BEGIN { printf "idle CPU: %.2f %% of one core over %d s\n", 100 * t / hz / s, s }'
awk -v b="$((b1 - b0))" -v s="$idle" \
    'BEGIN { printf "terminal output: %.0f bytes/s over %d s\n", b / s, s }'
echo "memory: RSS $((rss / 1024)) MB now, peak $((hwm / 1024)) MB"
