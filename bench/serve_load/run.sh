#!/bin/bash
# Load test of `nvsx serve --mode webhook` on 127.0.0.1 with wrk, bounded in
# time, in three phases:
#   rejected  no credentials: every answer 401;
#   new       bearer token, a runbook without hooks, and every request names a
#             node no request named before: every answer is 202, a trigger
#             recorded and a run queued. The most writing an accepted request
#             can cause; the runs queue behind --max-concurrent-runs (they
#             cost more than accepting) and the next phase waits for them.
#   storm     bearer token, a runbook whose hook sleeps 12 s, on 50 nodes: the
#             first trigger per node is 202, the rest join its run (200). What
#             an alert storm looks like: senders repeat the same few triggers.
# Each phase starts once the runs of the one before have ended. Prints
# requests/s and latency percentiles per phase, then checks that no
# 202 was lost: rows recorded >= 202s seen, and the excess is at most the
# requests wrk still had in flight when each phase ended (answered after wrk
# stopped listening).
# Usage: bench/serve_load/run.sh NVSX_BINARY [SECONDS] [CONNECTIONS] [THREADS]
set -euo pipefail
nvsx=${1:?usage: run.sh NVSX_BINARY [SECONDS] [CONNECTIONS] [THREADS]}
seconds=${2:-10}
connections=${3:-32}
threads=${4:-2}
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 3; }

dir=$(mktemp -d /tmp/nvsx-serve-load-XXXXXX)
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

mkdir -p "$dir/runbooks/hooks"
# No hooks: a run costs only its records, so the figures are the server's.
cat > "$dir/runbooks/quick.yaml" <<'YAML'
apiVersion: nvsx/v1
kind: Runbook
metadata: {name: quick, nickname: swift-hare, title: Quick}
stages:
  - id: postmortem
YAML
cat > "$dir/runbooks/storm.yaml" <<'YAML'
apiVersion: nvsx/v1
kind: Runbook
metadata: {name: storm, nickname: steady-ox, title: Outlasts the storm}
stages:
  - id: preflight
    hook: hooks/sleep.sh
    timeout: 60s
YAML
printf '#!/bin/sh\nsleep 12\n' > "$dir/runbooks/hooks/sleep.sh"
chmod +x "$dir/runbooks/hooks/sleep.sh"
token=bench-$RANDOM$RANDOM
echo "$token" > "$dir/token"

NVSX_STATE_DIR=$dir/state NVSX_PROJECT_ROOT=$dir KUBECONFIG=$dir/none \
  "$nvsx" --log-level error serve --listen 127.0.0.1:0 --token-file "$dir/token" \
  --max-queued 10000000 >/dev/null 2>"$dir/serve.log" &
serve_pid=$!
port=
for _ in $(seq 200); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/serve.log")
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { cat "$dir/serve.log" >&2; exit 1; }
url=http://127.0.0.1:$port

# Waits (up to 300 s) until no run is queued or running, so each phase is measured alone.
drain() {
  local start=$SECONDS
  echo "(queued at the end of the phase: $(curl -s "$url/metrics" |
    sed -n 's/^nvsx_serve_queue_depth //p'))"
  for _ in $(seq 3000); do
    if curl -s "$url/metrics" | grep -Eq '^nvsx_serve_queue_depth 0$' &&
       curl -s "$url/metrics" | grep -Eq '^nvsx_serve_runs_running 0$'; then
      echo "(every run ended $((SECONDS - start)) s after the phase)"
      return
    fi
    sleep 0.1
  done
  echo "(runs still queued after 300 s)"
}
summary() { grep -E "Requests/sec|Latency |50%|90%|99%|fired|refused|Non-2xx|Socket errors"; }
bench() {  # PHASE RUNBOOK NODES
  NVSX_BENCH_TOKEN=$token NVSX_BENCH_RUNBOOK=$2 NVSX_BENCH_NODES=$3 \
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$here/accepted.lua" "$url" |
    tee "$dir/$1.txt" | summary
}

echo "nvsx serve on $url; $(nproc) CPUs shared with wrk and other work; wrk -t$threads -c$connections -d${seconds}s"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== rejected: no credentials (401)"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$here/rejected.lua" "$url/webhook" |
  summary
echo "== new: bearer token, a node never seen before per trigger: a new run each (202)"
bench new quick 0
drain
echo "== storm: bearer token, 50 nodes, runs outlast the phase (202 once per node, then 200)"
bench storm storm 25

kill -TERM "$serve_pid"
wait "$serve_pid" || true
serve_pid=
fired=0
for phase in new storm; do
  fired=$((fired + $(sed -n 's/.*fired(202)=\([0-9]*\).*/\1/p' "$dir/$phase.txt")))
done
rows=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
  \"SELECT COUNT(*) FROM serve_triggers WHERE source = 'bench'\").fetchone()[0])" "$dir/state/runs.db")
echo "== 202 answers seen: $fired; triggers recorded: $rows (in flight at each phase's end: <= $connections)"
if [ "$rows" -lt "$fired" ] || [ $((rows - fired)) -gt $((2 * connections)) ]; then
  echo "MISMATCH: accepted triggers and recorded rows disagree" >&2
  exit 1
fi
echo "no accepted trigger lost"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
