#!/usr/bin/env bash
# Proof that the index holds under load and faults (a benchmark, not a unit test):
#  1. N asks at concurrency C against `csa serve` while `csa ingest --rebuild` swaps the index underneath, alternating
#     between two corpora with different studies: 0 errors, and every answer cites only studies of the index
#     generation it was answered from (csa loadtest checks this through the X-Index-Generation header).
#  2. `csa ingest` killed with SIGKILL at random moments, K times: after each kill the index still answers.
# Usage: scripts/fault-proofs.sh [ASKS=2000] [CONCURRENCY=50] [KILLS=20]
set -uo pipefail
asks=${1:-2000}; concurrency=${2:-50}; kills=${3:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/csa-proofs-XXXXXX)
serve_pid=""; load_pid=""
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  [ -n "$serve_pid" ] && { kill -0 "$serve_pid" 2>/dev/null || echo "serve had exited"; kill "$serve_pid" 2>/dev/null; }; wait 2>/dev/null
  mkdir -p /tmp/csa-proofs-last && cp "$work"/*.log "$work"/*.out /tmp/csa-proofs-last/ 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT

dotnet build "$root/src/CaseStudyAssistant.Cli" -c Release -v quiet -nologo >/dev/null || { echo "build failed"; exit 2; }
dll="$root/src/CaseStudyAssistant.Cli/bin/Release/net10.0/csa.dll"
csa() { dotnet "$dll" "$@"; }
export CSA_INDEX__PATH="$work/index.db" CSA_WEB__REQUESTSPERMINUTE=1000000

full="$root/corpus"
small="$work/small"; mkdir -p "$small"; cp "$root"/corpus/ads/*.md "$small/"
csa ingest --corpus "$full" >/dev/null 2>&1 || { echo "first ingest failed"; exit 2; }
csa ingest --corpus "$small" --index "$work/warm.db" >/dev/null 2>&1 # warms the vector cache for the small corpus
echo "corpora: $(ls "$full"/*/*.md | wc -l) and $(ls "$small"/*.md | wc -l) notes"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DOTNET_DbgEnableMiniDump=1 DOTNET_DbgMiniDumpType=1 DOTNET_EnableCrashReport=1 DOTNET_DbgMiniDumpName=/tmp/csa-proofs-last/serve-crash.dmp dotnet "$dll" serve --urls "http://127.0.0.1:$port" > "$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 600); do grep -q "Serving on" "$work/serve.log" && break; sleep 0.1; done

echo "== $asks asks at concurrency $concurrency while the index is rebuilt underneath"
dotnet "$dll" loadtest --url "http://127.0.0.1:$port" --requests "$asks" --concurrency "$concurrency" --max-seconds 900 > "$work/load.out" 2>&1 &
load_pid=$!
rebuilds=0; failed_rebuilds=0
while kill -0 "$load_pid" 2>/dev/null; do
  corpus=$([ $((rebuilds % 2)) -eq 0 ] && echo "$small" || echo "$full")
  if csa ingest --rebuild --corpus "$corpus" >/dev/null 2>&1; then rebuilds=$((rebuilds + 1)); else failed_rebuilds=$((failed_rebuilds + 1)); fi
done
wait "$load_pid"; load_rc=$?; load_pid=""
cat "$work/load.out"
echo "rebuilds during the run: $rebuilds (failed: $failed_rebuilds); loadtest exit code $load_rc"
kill -0 "$serve_pid" 2>/dev/null || echo "serve had exited (code: $(wait "$serve_pid"; echo $?))"; kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; serve_pid=""

echo "== ingest killed at random moments, $kills times"
answered=0
for i in $(seq 1 "$kills"); do
  corpus=$([ $((i % 2)) -eq 0 ] && echo "$small" || echo "$full")
  mode=$([ $((i % 3)) -eq 0 ] && echo "" || echo "--rebuild")
  # Touch a few notes so incremental ingests have real work to be killed in.
  for f in $(ls "$small"/*.md | shuf -n 3); do printf '\nEdited in round %s.\n' "$i" >> "$f"; done
  dotnet "$dll" ingest $mode --corpus "$corpus" >/dev/null 2>&1 &
  victim=$!
  sleep "$(/usr/bin/python3 -c 'import random; print(round(random.uniform(0.3, 4.0), 2))')"
  kill -9 "$victim" 2>/dev/null; wait "$victim" 2>/dev/null
  if csa ask "How are ads ranked and budgets paced?" --json > "$work/ask.json" 2>/dev/null \
     && /usr/bin/python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); sys.exit(0 if a["citations"] else 1)' "$work/ask.json"; then
    answered=$((answered + 1))
  else
    echo "round $i: the index did not answer"; cat "$work/ask.json"
  fi
done
leftovers=$(ls "$work" | grep -c "index.db.building" || true)
csa ingest --corpus "$small" >/dev/null 2>&1
after=$(ls "$work" | grep -c "index.db.building" || true)
echo "kill rounds: $kills, index answered after: $answered; build files after the kills: $leftovers, after the next ingest: $after"
[ "$load_rc" -eq 0 ] && [ "$answered" -eq "$kills" ] && [ "$after" -eq 0 ]
