#!/usr/bin/env bash
# The whole test suite (what `npm test` and CI run): bootstrap, build, lint, mocha unit tests,
# mocha integration tests against the real local stack (started here, stopped at the end),
# pytest suites, fault drills 1, 3, 4 and 7, checkov over terraform/, and Terraform itself
# (scripts/terraform-test.sh: fmt, init, validate, terraform test, the apply/re-plan/destroy cycle
# against moto). Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
out=$(mktemp -d)
passed=0
failed=0
timings=()
# Each suite's wall time, listed before the closing line (where the CI minutes go).
timed() { local name=$1 t0=$SECONDS; shift; "$@"; local rc=$?; timings+=("$name $((SECONDS - t0))s"); return $rc; }

# A gate (bootstrap, build, lint, checkov) adds a failure when it fails and nothing when it passes.
gate() {
  local name=$1; shift
  echo "== $name"
  if ! "$@"; then echo "FAILED: $name"; failed=$((failed + 1)); return 1; fi
}

mocha_suite() { # name, mocha args...
  local name=$1; shift
  echo "== mocha: $name"
  npx mocha "$@" 2>&1 | tee "$out/$name.log"
  local p f
  p=$(grep -Eo '^ +[0-9]+ passing' "$out/$name.log" | grep -Eo '[0-9]+' | tail -1)
  f=$(grep -Eo '^ +[0-9]+ failing' "$out/$name.log" | grep -Eo '[0-9]+' | tail -1)
  # No summary at all means mocha could not run the suite: count that as a failure.
  [ -z "$p$f" ] && f=1
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}

pytest_suite() { # venv, dirs...
  local venv=$1 dirs=() d; shift
  for d in "$@"; do [ -d "$d" ] && dirs+=("$d"); done
  [ ${#dirs[@]} -eq 0 ] && return 0
  echo "== pytest ($venv): ${dirs[*]}"
  SPARK_LOCAL_IP=127.0.0.1 "$venv/bin/python" -m pytest -q -p no:cacheprovider --durations=15 "${dirs[@]}" 2>&1 | tee "$out/pytest.log"
  local last p f e
  last=$(grep -E '[0-9]+ (passed|failed|error)' "$out/pytest.log" | tail -1)
  p=$(grep -Eo '[0-9]+ passed' <<<"$last" | grep -Eo '[0-9]+')
  f=$(grep -Eo '[0-9]+ failed' <<<"$last" | grep -Eo '[0-9]+')
  e=$(grep -Eo '[0-9]+ errors?' <<<"$last" | grep -Eo '[0-9]+')
  [ -z "$last" ] && f=1
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
}

# terraform fmt/init/validate, terraform test and the emulator cycle; counts its checks and tests.
terraform_suite() {
  echo "== terraform"
  bash scripts/terraform-test.sh 2>&1 | tee "$out/terraform.log"
  local last p f
  last=$(grep -E '^terraform: [0-9]+ passed, [0-9]+ failed' "$out/terraform.log" | tail -1)
  p=$(grep -Eo '[0-9]+ passed' <<<"$last" | grep -Eo '[0-9]+')
  f=$(grep -Eo '[0-9]+ failed' <<<"$last" | grep -Eo '[0-9]+')
  [ -z "$last" ] && f=1
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}

stop_stack() { node bin/run.js local down >/dev/null 2>&1 || true; }
trap stop_stack EXIT

if timed bootstrap gate bootstrap bash scripts/bootstrap.sh; then
  timed build gate build npm run --silent build
  timed lint gate lint npm run --silent lint
  timed "mocha unit" mocha_suite unit 'test/unit/**/*.test.ts'
  timed "local stack up" gate "local stack up" node bin/run.js local up
  timed "mocha integration" mocha_suite integration 'test/integration/**/*.test.ts'
  timed pytest pytest_suite .venv glue-jobs/tests terraform/tests docker/tests
  # Fault drills 1, 3, 4 and 7 on every run (one shared load and catch-up); npm run drills runs all eight.
  CDC_DRILLS=1,3,4,7 timed "drills 1,3,4,7" pytest_suite .venv glue-jobs/tests/integration/drills
  [ -d airflow/tests ] && timed airflow pytest_suite .venv-airflow airflow/tests
  [ -x scripts/checkov.sh ] && timed checkov gate checkov bash scripts/checkov.sh
  # The local stack is not needed any more: its CPU goes to the emulator cycle.
  stop_stack
  timed terraform terraform_suite
fi
stop_stack
echo "== wall time: ${timings[*]/%/,} total $((SECONDS / 60))m$((SECONDS % 60))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
