#!/usr/bin/env bash
# Team-mode figures for BENCHMARKS.md: API requests per minute against the simulator with N
# dashboards direct versus behind one relay, and a team dashboard's cold start.
# Usage: scripts/team-bench.sh [BIN] [WINDOW_SECONDS] [SCALE]
# COLD_ONLY=1 skips the API-cost windows and times three cold starts from a warm relay.
# A direct poller is the same Helpdesk::snapshot loop a dashboard's sync task runs, at the same
# refresh: it is a relay on its own workspace (one per direct dashboard).
set -euo pipefail
BIN=${1:-target/debug/shiftlead}; WIN=${2:-30}; SCALE=${3:-demo}
T=$(mktemp -d); trap 'kill $(cat $T/*.pid 2>/dev/null) 2>/dev/null; rm -rf $T' EXIT
export HOME=$T XDG_CONFIG_HOME=$T/c XDG_DATA_HOME=$T/d XDG_STATE_HOME=$T/s SIM_TOKEN=bench
nats-server -js -a 127.0.0.1 -p 14333 -sd $T/js >/dev/null 2>&1 & echo $! > $T/nats.pid
$BIN simulate --listen 127.0.0.1:18333 --token bench --scale $SCALE > $T/sim.out 2>&1 & echo $! > $T/sim.pid
until grep -q listening $T/sim.out 2>/dev/null; do sleep 0.2; done
SIM=http://127.0.0.1:18333
reqs() { curl -s -H "Authorization: Bearer bench" $SIM/_sim/stats | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["requests"].values()))'; }
relay_cfg() { printf '[backend]\nkind="intercom"\nbase_url="%s"\ntoken_env="SIM_TOKEN"\ntimeout="60s"\n[relay]\nnats_url="nats://127.0.0.1:14333"\nworkspace="%s"\nrefresh="10s"\n' $SIM $1 > $T/$1.toml; }
team_cfg() { printf '[backend]\nkind="team"\nnats_url="nats://127.0.0.1:14333"\nworkspace="%s"\n' $1 > $T/team-$1.toml; }
window() { local a b; sleep 12; a=$(reqs); sleep $WIN; b=$(reqs); echo $(( (b - a) * 60 / WIN )); }
for n in 1 5 20; do
  [ -n "${COLD_ONLY:-}" ] && break
  for i in $(seq 1 $n); do relay_cfg d$n-$i; $BIN --config $T/d$n-$i.toml relay --id d$i >/dev/null 2>&1 & echo $! > $T/d$n-$i.pid; done
  echo "direct  N=$n: $(window) API requests/min"
  for i in $(seq 1 $n); do kill $(cat $T/d$n-$i.pid); rm $T/d$n-$i.pid; done
done
relay_cfg team; team_cfg team
$BIN --config $T/team.toml relay --id r1 >/dev/null 2>&1 & echo $! > $T/r1.pid
until $BIN --config $T/team-team.toml snapshot --json >/dev/null 2>&1; do sleep 1; done
for n in 1 5 20; do
  [ -n "${COLD_ONLY:-}" ] && break
  for i in $(seq 1 $n); do (while true; do $BIN --config $T/team-team.toml snapshot --json >/dev/null 2>&1; sleep 10; done) & echo $! > $T/t$n-$i.pid; done
  echo "relay   N=$n: $(window) API requests/min"
  for i in $(seq 1 $n); do kill $(cat $T/t$n-$i.pid); rm $T/t$n-$i.pid; done
done
for k in 1 2 3; do
s=$(date +%s.%N); $BIN --config $T/team-team.toml snapshot --json > $T/cold.json; e=$(date +%s.%N)
echo "cold start (team snapshot --json, warm relay, scale $SCALE): $(python3 -c "print(round($e-$s,2))") s, $(python3 -c "import json; print(len(json.load(open('$T/cold.json'))['snapshot']['conversations']))") conversations"
done
