#!/usr/bin/env bash
# The fault drills (README "Fault drills") against the local stack, started here if it is not running:
#   bash scripts/drills.sh          all eight (npm run drills)
#   bash scripts/drills.sh 1 4 7    those drills only (what npm test runs)
# Prints one line per drill (changes written, lost, duplicated current rows, DLQ records expected/seen,
# time to catch up) and pytest's closing line. The stack is left running.
set -uo pipefail
cd "$(dirname "$0")/.."
drills=$(IFS=,; echo "${*:-all}")
bash scripts/bootstrap.sh || exit 1
npm run --silent build || exit 1
node bin/run.js local up >/dev/null || exit 1
node bin/run.js connector register >/dev/null || exit 1
CDC_DRILLS=$drills SPARK_LOCAL_IP=127.0.0.1 exec .venv/bin/python -m pytest -q -p no:cacheprovider glue-jobs/tests/integration/drills
