#!/usr/bin/env bash
# Measures what one dashboard costs a helpdesk's API: the real release binary in a
# pseudo-terminal (tmux) against `shiftlead simulate`, whose own request counters
# (`GET /_sim/stats`) are read before and after. Prints the cold start (process start to the
# first screen with data, and the requests it took) and the steady-state requests per minute,
# by endpoint.
#
#   scripts/api_cost.sh                          # Zendesk, large preset, 5 minutes steady
#   VENDOR=intercom SCALE=large MINUTES=3 scripts/api_cost.sh
#   RATE_LIMIT=700 scripts/api_cost.sh           # the simulator's limit (Zendesk: per minute)
set -euo pipefail

cd "$(dirname "$0")/.."
vendor=${VENDOR:-zendesk}
scale=${SCALE:-large}
minutes=${MINUTES:-5}
cols=200
rows=60

command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is required" >&2; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/shiftlead
work=$(mktemp -d)
socket="shiftlead-cost-$$"
sim_pid=""
cleanup() {
    tmux -L "$socket" kill-server 2>/dev/null || true
    [[ -n "$sim_pid" ]] && kill "$sim_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 10000))
limit_args=()
[[ -n "${RATE_LIMIT:-}" ]] && limit_args=(--rate-limit "$RATE_LIMIT")
"$bin" simulate --vendor "$vendor" --scale "$scale" --listen "127.0.0.1:$port" --token measure \
    "${limit_args[@]}" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 600); do grep -q '^token:' "$work/sim.log" 2>/dev/null && break; sleep 0.1; done
email=$(sed -n 's/^email: //p' "$work/sim.log")
case "$vendor" in
    zendesk)
        printf '[backend]\nkind = "zendesk"\nbase_url = "http://127.0.0.1:%s"\nemail = "%s"\ntimeout = "60s"\n' \
            "$port" "$email" >"$work/config.toml" ;;
    *)
        printf '[backend]\nkind = "%s"\nbase_url = "http://127.0.0.1:%s"\ntimeout = "60s"\n' \
            "$vendor" "$port" >"$work/config.toml" ;;
esac
chmod 600 "$work/config.toml"

stats() { curl -sf -H 'Authorization: Bearer measure' "http://127.0.0.1:$port/_sim/stats"; }
total() { python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["requests"].values()))'; }
before=$(stats | total)

cat >"$work/run.sh" <<EOF
#!/usr/bin/env bash
date +%s%N >$work/start
export HOME=$work XDG_CONFIG_HOME=$work/config XDG_STATE_HOME=$work/state XDG_DATA_HOME=$work/data
export INTERCOM_TOKEN=measure ZENDESK_TOKEN=measure
exec $bin --config $work/config.toml
EOF
chmod +x "$work/run.sh"
tmux -L "$socket" new-session -d -s m -x "$cols" -y "$rows" "$work/run.sh"

# Cold start: until the status line says how old the data is.
for _ in $(seq 1 6000); do
    tmux -L "$socket" capture-pane -p -t m 2>/dev/null | grep -q 'data .* old' && break
    sleep 0.1
done
first=$(date +%s%N)
cold_requests=$(( $(stats | total) - before ))
cold_ms=$(( (first - $(cat "$work/start")) / 1000000 ))

# Steady state: let the first refreshes settle, then count for MINUTES.
sleep 20
stats >"$work/s0.json"
sleep $((minutes * 60))
stats >"$work/s1.json"

python3 - "$work/s0.json" "$work/s1.json" "$minutes" "$vendor" "$scale" "$cold_ms" "$cold_requests" <<'PY'
import json, sys
a, b = (json.load(open(p))["requests"] for p in sys.argv[1:3])
minutes = float(sys.argv[3])
vendor, scale, cold_ms, cold_requests = sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
delta = {k: b.get(k, 0) - a.get(k, 0) for k in b}
delta = {k: v for k, v in delta.items() if v}
print(f"{vendor} at {scale}: cold start {cold_ms / 1000:.1f} s to the first screen with data, "
      f"{cold_requests} requests")
print(f"steady state over {minutes:g} min: {sum(delta.values()) / minutes:.1f} requests/min")
for k, v in sorted(delta.items(), key=lambda kv: -kv[1]):
    print(f"  {v / minutes:7.1f}/min  {k}")
PY
