#!/usr/bin/env bash
# npm run bench: what the benchmark needs beyond the test suite's, then the local stack, then
# bench/run.ts (arguments pass through: npm run bench -- capture dlq). Not part of npm test.
#   - pg_recvlogical (the decoding ceiling's peer): Debian's postgresql-client-15 when it is absent
#     (its replication protocol reads a PostgreSQL 16 server's pgoutput)
#   - Apache Iceberg's Kafka Connect sink (runtime/bench/iceberg-sink/pom.xml -> lib/), keyed on the pom
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'bench: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else say "need root for: $*"; return 1; fi; }

bash scripts/bootstrap.sh
if ! command -v pg_recvlogical >/dev/null; then
  say "installing postgresql-client-15 (pg_recvlogical)"
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends postgresql-client-15 >&2
fi
dir=runtime/bench/iceberg-sink
want=$(sha256sum "$dir/pom.xml" | cut -c1-16)
if [ "$(cat "$dir/lib/.stamp" 2>/dev/null)" != "$want" ]; then
  say "fetching the Iceberg Kafka Connect sink"
  rm -rf "$dir/lib"
  if ! (cd "$dir" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory=lib -DincludeScope=runtime > /tmp/cdcctl-mvn-bench.log 2>&1); then
    tail -20 /tmp/cdcctl-mvn-bench.log >&2; say "maven failed for $dir/pom.xml"; exit 1
  fi
  echo "$want" > "$dir/lib/.stamp"
fi
npm run -s build
node bin/run.js local up >&2
exec npx ts-node --transpile-only -P test/tsconfig.json bench/run.ts "$@"
