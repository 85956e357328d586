#!/usr/bin/env bash
# terraform/, tested for real (run by scripts/test.sh; runs on its own too):
#   1. terraform fmt -check, init (the AWS provider from a filesystem mirror when there is one,
#      CDCCTL_TF_PLUGIN_DIR, default /opt/tf-plugins), validate;
#   2. terraform test: terraform/tests/*.tftest.hcl (module contracts, mocked provider; the catalog);
#   3. the emulator cycle, test/terraform/emulator (pytest): `cdcctl deploy --profile aws` of
#      envs/dev.tfvars to a moto server (state in the S3 backend's bucket there, outputs stored,
#      scripts uploaded, ECS services waited for), `cdcctl plan` with zero changes, no password in
#      state, plan or cdcctl's files, every DAG task's AWS calls as the roles Terraform made under IAM
#      enforcement, a broker replacement that keeps the data volume, `cdcctl destroy`. Needs the
#      built CLI (npm run build) and .venv.
# Everything runs in temporary copies; nothing is written under terraform/. Prints each phase's
# figures and ends with one line: "terraform: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PLUGIN_DIR=${CDCCTL_TF_PLUGIN_DIR:-/opt/tf-plugins}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
summary=()

if ! command -v terraform >/dev/null; then
  echo "FAILED: terraform is not installed (Terraform >= 1.11 is needed)"
  echo "terraform: 0 passed, 1 failed"
  exit 1
fi

# Terraform reads no user configuration here, and finds no AWS credentials but the emulator's.
: > "$work/terraformrc"
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 TF_INPUT=0 NO_COLOR=1
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL

check() { # name, command...: one check that passes or fails, with its time
  local name=$1 start=$SECONDS; shift
  echo "== terraform $name"
  if "$@" > "$work/$name.log" 2>&1; then
    echo "terraform $name: ok ($((SECONDS - start)) s)"
    summary+=("$name ok")
    passed=$((passed + 1))
  else
    tail -40 "$work/$name.log"
    echo "FAILED: terraform $name"
    summary+=("$name FAILED")
    failed=$((failed + 1))
  fi
}

cp -r terraform "$work/terraform"
rm -rf "$work/terraform/.terraform" "$work/terraform/.terraform.lock.hcl"
cp pipeline.yaml "$work/pipeline.yaml"
init_args=(-backend=false -input=false -no-color)
[ -d "$PLUGIN_DIR" ] && init_args+=("-plugin-dir=$PLUGIN_DIR")

check "fmt -check" terraform fmt -check -recursive -diff terraform
check init terraform -chdir="$work/terraform" init "${init_args[@]}"
# -no-tests: the test files are validated and run by terraform test below.
check validate terraform -chdir="$work/terraform" validate -no-color -no-tests

echo "== terraform test"
start=$SECONDS
terraform -chdir="$work/terraform" test -no-color 2>&1 | tee "$work/test.log" | grep -E '^\s+run |\.\.\. (pass|fail)|Error|Success!|Failure!'
last=$(grep -E '^(Success|Failure)! [0-9]+ passed, [0-9]+ failed' "$work/test.log" | tail -1)
if [ -z "$last" ]; then
  tail -30 "$work/test.log"
  echo "FAILED: terraform test did not run"
  failed=$((failed + 1))
  summary+=("terraform test did not run")
else
  p=$(grep -Eo '[0-9]+ passed' <<<"$last" | grep -Eo '[0-9]+')
  f=$(grep -Eo '[0-9]+ failed' <<<"$last" | grep -Eo '[0-9]+')
  passed=$((passed + p)); failed=$((failed + f))
  echo "terraform test: $p passed, $f failed ($((SECONDS - start)) s)"
  summary+=("terraform test $p passed, $f failed")
fi

echo "== terraform against the emulator (test/terraform/emulator)"
export CDCCTL_TF_FIGURES="$work/figures.json"
"$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider -q -rs test/terraform/emulator 2>&1 | tee "$work/emulator.log"
last=$(grep -E '[0-9]+ (passed|failed|error)' "$work/emulator.log" | tail -1)
p=$(grep -Eo '[0-9]+ passed' <<<"$last" | grep -Eo '[0-9]+')
f=$(grep -Eo '[0-9]+ failed' <<<"$last" | grep -Eo '[0-9]+')
e=$(grep -Eo '[0-9]+ errors?' <<<"$last" | grep -Eo '[0-9]+')
[ -z "$last" ] && f=1
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
summary+=("emulator ${p:-0} passed, $((${f:-0} + ${e:-0})) failed")

# The cycle in one line: what the emulator run applied, re-planned, replaced and destroyed.
if [ -s "$CDCCTL_TF_FIGURES" ]; then
  cycle=$("$ROOT/.venv/bin/python" - "$CDCCTL_TF_FIGURES" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
def part(phase, text):
    return f"{text} ({f[phase]['seconds']:.0f} s)" if phase in f else None
deploy = f.get("deploy", {})
parts = [
    part("deploy", f"cdcctl deploy: {deploy.get('upload')} uploaded, ECS services {deploy.get('services')}"),
    part("apply", f"apply {f.get('apply', {}).get('resources')} resources"),
    part("re-plan", f"cdcctl plan {f.get('re-plan', {}).get('changes')} changes"),
    part("replace broker", f"replace broker: {f.get('replace broker', {}).get('result')}, data volume kept"),
    part("destroy", f"cdcctl destroy {f.get('destroy', {}).get('resources')}"),
]
print("; ".join(p for p in parts if p))
PY
)
  summary+=("$cycle")
fi

line=""
for part in "${summary[@]}"; do line+="${line:+; }$part"; done
echo "terraform: $line"
echo "terraform: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
