#!/usr/bin/env bash
# Run every benchmark and keep the printed figures under bench/out/ (make bench).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p bench/out
bash bench/peers_env.sh
for script in "tokenize.py" "sentiment_peers.py" "topics.py" "drivers_recovery.py" "pii.py" \
              "flow_overhead.py" "report.py" "e2e.py --n 10000" "e2e.py --n 100000" "e2e.py --n 1000000"; do
  name=$(echo "$script" | tr ' ' '_' | tr -d '-')
  echo "== bench/$script"
  $PY bench/$script 2>&1 | tee "bench/out/${name%.py}.txt"
done
