#!/usr/bin/env bash
# Static security checks of terraform/ with checkov (its own venv: its pins clash with pyspark's).
# Exits non-zero on any failed check or parse error; the last line is "checkov: N passed, N failed".
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${repo}/.venv-checkov"
checkov="${venv}/bin/checkov"

if [ ! -x "${checkov}" ]; then
  echo "checkov: installing into .venv-checkov (runtime/requirements-checkov.txt)" >&2
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install --quiet --disable-pip-version-check -r "${repo}/runtime/requirements-checkov.txt"
fi

report="$(mktemp -d)"
trap 'rm -rf "${report}"' EXIT

# --skip-download: no calls to the vendor's API (no network in CI); results stay the same.
set +e
"${checkov}" --directory "${repo}/terraform" --framework terraform --quiet --compact \
  --skip-download --output cli --output json --output-file-path "console,${report}/checkov.json"
set -e

"${venv}/bin/python" - "${report}/checkov.json" <<'PY'
import json
import sys

try:
    with open(sys.argv[1]) as f:
        data = json.load(f)
except (OSError, ValueError) as exc:
    print(f"checkov: no report ({exc})", file=sys.stderr)
    print("checkov: 0 passed, 1 failed")
    sys.exit(1)

reports = data if isinstance(data, list) else [data]
passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
failed = sum(r.get("summary", {}).get("failed", 0) for r in reports)
skipped = sum(r.get("summary", {}).get("skipped", 0) for r in reports)
parse_errors = sum(r.get("summary", {}).get("parsing_errors", 0) for r in reports)
if parse_errors:
    print(f"checkov: {parse_errors} file(s) could not be parsed", file=sys.stderr)
    failed += parse_errors
if passed == 0 and failed == 0:
    print("checkov: nothing was checked", file=sys.stderr)
    failed = 1
print(f"checkov: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
