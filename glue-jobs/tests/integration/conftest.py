"""Integration tests against the running local stack (Postgres -> Debezium -> Kafka -> Spark -> Iceberg).

They need `cdcctl local up` (Postgres, Kafka and Connect on the ports of the resolved local profile,
`cdcctl config show`: 5432, 9092, 8083 by default, with the connector registered) and drive the jobs
through the CLI: `node bin/run.js job run <job> --json`.
When the stack is not reachable they FAIL with the reason; they never skip.

Deselect them with `-m "not integration"`.

The lake is read from this process through a catalog of its own (`cdc_it`, table cache off, so every
read sees the commits the jobs made in their own processes). The `lake` catalog of this process points
at a throwaway warehouse: the unit tests' fixtures drop every table of `lake.cdc`, and they may share
this JVM's SparkSession, so `lake` must never be the real lake here.
"""
import datetime
import decimal
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

GLUE_JOBS = Path(__file__).resolve().parents[2]
REPO = GLUE_JOBS.parent
if str(GLUE_JOBS) not in sys.path:
    sys.path.insert(0, str(GLUE_JOBS))

from cdc_lake.session import build_session, warehouse_for  # noqa: E402
from cdc_lake import catalog  # noqa: E402

STATE_DIR = REPO / ".cdcctl"
LAKE_ROOT = os.environ.get("CDC_IT_LAKE_ROOT", (STATE_DIR / "lake").as_uri())
JOBS_DIR = STATE_DIR / "jobs"
CATALOG = "cdc_it"
TABLES = catalog.tables()
SOURCE_TOPICS = {catalog.topic(t): t for t in TABLES}
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
CENT = decimal.Decimal("0.01")
JOB_TIMEOUT = int(os.environ.get("CDC_IT_JOB_TIMEOUT", "600"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "integration: needs the running local stack (cdcctl local up); fails when it is unreachable")


# --------------------------------------------------------------------------------------------- CLI

def _schema(args):
    """The checked-in schema of the command `args` runs (schemas/<topic>-<command>.json)."""
    words = [a for a in args if a.isalpha() and a.islower()]
    for name in ("-".join(words[:2]), words[0]):
        path = REPO / "schemas" / f"{name}.json"
        if path.is_file():
            return json.loads(path.read_text())
    pytest.fail(f"no checked-in schema for cdcctl {' '.join(args)}")


def cli(*args, timeout=120, check=True, cwd=REPO, env=None):
    """`node bin/run.js <args> --json` -> the parsed envelope, held to the --json contract: its status is
    the exit status and its result validates against the command's checked-in schema. `cwd` finds the
    config file (its profiles); `env` is added to this process's environment."""
    cmd = ["node", str(REPO / "bin" / "run.js"), *args, "--json"]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=None if env is None else {**os.environ, **env})
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"`cdcctl {' '.join(args)}` printed no JSON (exit {proc.returncode}):\n"
                    f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}")
    assert out.get("status") == proc.returncode, f"envelope status {out.get('status')} but exit {proc.returncode}"
    if "result" in out:
        jsonschema.validate(out["result"], _schema(args))
    if check and proc.returncode != 0:
        pytest.fail(f"`cdcctl {' '.join(args)}` exited {proc.returncode}: {json.dumps(out)[:3000]}")
    return out


def log_tail(run_id, lines=40):
    log = JOBS_DIR / f"{run_id}.log"
    if not log.exists():
        return "(no log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def run_job(job, *extra):
    """Run a job to completion through the CLI; fail unless it SUCCEEDED. Returns result."""
    out = cli("job", "run", job, *extra, "--timeout", str(JOB_TIMEOUT), timeout=JOB_TIMEOUT + 60, check=False)
    result = out.get("result") or {}
    if result.get("state") != "SUCCEEDED":
        run_id = result.get("runId")
        pytest.fail(f"job {job} did not succeed: state={result.get('state')} error={result.get('error')}\n"
                    f"envelope: {json.dumps(out)[:2000]}\nlog tail ({run_id}):\n{log_tail(run_id) if run_id else ''}")
    return result


def topic_end_offsets():
    """Sum of end offsets per CDC source topic."""
    topics = cli("kafka", "topics")["result"]["topics"]
    return {t["topic"]: sum(int(v) for v in t["endOffsets"].values())
            for t in topics if t["topic"] in SOURCE_TOPICS}


def wait_for_kafka(baseline, expected, timeout=90):
    """Wait until each topic holds at least `expected[topic]` records more than `baseline`."""
    deadline = time.monotonic() + timeout
    while True:
        now = topic_end_offsets()
        missing = {t: n - (now.get(t, 0) - baseline.get(t, 0)) for t, n in expected.items()}
        if all(m <= 0 for m in missing.values()):
            return now
        if time.monotonic() > deadline:
            pytest.fail(f"Debezium did not publish the test's changes within {timeout}s; records still missing "
                        f"per topic: {missing} (is the connector cdc-postgres RUNNING? `cdcctl health`)")
        time.sleep(1)


# --------------------------------------------------------------------------------------------- stack

_PROFILE = {}


def profile():
    """The resolved profile (`cdcctl config show`): endpoints follow cdcctl.config.* and CDCCTL_* as the
    CLI's do, so the tests reach the stack `local up` started, on whatever ports it uses."""
    if not _PROFILE:
        _PROFILE.update(cli("config", "show")["result"])
    return _PROFILE


def pg_endpoint():
    """host, port, user, database: PG* environment variables first, then the profile."""
    pg = profile()["postgres"]
    return (os.environ.get("PGHOST", pg["host"]), int(os.environ.get("PGPORT", pg["port"])),
            os.environ.get("PGUSER", pg["user"]), os.environ.get("PGDATABASE", pg["database"]))


def kafka_brokers():
    return tuple(profile()["kafka"]["brokers"])


def _pg_password():
    if os.environ.get("PGPASSWORD"):
        return os.environ["PGPASSWORD"]
    secret = STATE_DIR / "secrets" / "postgres.json"
    if not secret.exists():
        pytest.fail(f"Postgres password not found in {secret}: run `cdcctl local up` first")
    return json.loads(secret.read_text())["password"]


def pg_connect():
    import psycopg

    host, port, user, dbname = pg_endpoint()
    # verify-full against the profile's CA, as every client of the pipeline connects
    return psycopg.connect(host=host, port=port, user=user, dbname=dbname, password=_pg_password(), connect_timeout=5,
                           autocommit=True, sslmode="verify-full", sslrootcert=profile()["postgres"]["caFile"])


@pytest.fixture(scope="session")
def stack():
    """Fail (not skip) with the reason when the local stack is not up."""
    try:
        with pg_connect() as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means the stack is not usable
        host, port, _, dbname = pg_endpoint()
        where = f"{host}:{port}/{dbname}"
        pytest.fail(f"integration tests need the local stack: Postgres {where} unreachable "
                    f"({type(exc).__name__}: {str(exc)[:300]}). Start it with `node bin/run.js local up`.",
                    pytrace=False)
    health = cli("health", check=False)
    checks = (health.get("result") or {}).get("checks") or []
    bad = [c for c in checks if c.get("status") not in ("ok", "warn")]
    if not checks or bad:
        pytest.fail("integration tests need the local stack, `cdcctl health` reports: "
                    + json.dumps(bad or health)[:2000]
                    + "\nStart it with `node bin/run.js local up` and `node bin/run.js connector register`.",
                    pytrace=False)
    return True


@pytest.fixture(scope="session")
def pg(stack):
    conn = pg_connect()
    yield conn
    conn.close()


@pytest.fixture(scope="package")
def lake(stack, tmp_path_factory):
    """A SparkSession with catalog `cdc_it` on the real local lake (no table cache)."""
    from pyspark.sql import SparkSession

    own = SparkSession.getActiveSession() is None
    if own:
        scratch = tmp_path_factory.mktemp("it-scratch-lake").as_uri()
        spark = build_session("cdc_lake-integration", warehouse_for(scratch), "local",
                              extra_conf={"spark.sql.shuffle.partitions": "2"}, log_level="ERROR")
    else:
        spark = SparkSession.getActiveSession()
    prefix = f"spark.sql.catalog.{CATALOG}"
    spark.conf.set(prefix, "org.apache.iceberg.spark.SparkCatalog")
    spark.conf.set(f"{prefix}.type", "hadoop")
    spark.conf.set(f"{prefix}.warehouse", warehouse_for(LAKE_ROOT))
    spark.conf.set(f"{prefix}.cache-enabled", "false")
    yield spark
    if own:
        spark.stop()


def table(name, catalog_name=CATALOG):
    return f"{catalog_name}.{catalog.namespace()}.{name}"


# --------------------------------------------------------------------------------------------- data

def norm(value):
    """Comparable form: Decimal with 2 places, timestamps as UTC epoch microseconds."""
    if isinstance(value, decimal.Decimal):
        return value.quantize(CENT)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise AssertionError(f"naive timestamp {value!r}: compare timestamps as instants")
        return (value - EPOCH) // datetime.timedelta(microseconds=1)
    return value


def show(value):
    if isinstance(value, int) and not isinstance(value, bool) and value > 10**14:
        return f"{value} ({EPOCH + datetime.timedelta(microseconds=value):%Y-%m-%dT%H:%M:%S.%fZ})"
    return repr(value)


def spark_rows(spark, name, columns, types, where=None, catalog_name=CATALOG):
    """Rows of an Iceberg table as dicts, timestamps as epoch micros (no local-time conversion)."""
    exprs = [f"unix_micros(`{c}`) AS `{c}`" if types.get(c) == "timestamp" else f"`{c}`" for c in columns]
    sql = f"SELECT {', '.join(exprs)} FROM {table(name, catalog_name)}" + (f" WHERE {where}" if where else "")
    return [{c: norm(v) for c, v in r.asDict().items()} for r in spark.sql(sql).collect()]


def silver_types(tbl):
    from cdc_lake.catalog import silver_schema

    return dict(silver_schema(tbl))


def silver_current(spark, tbl, catalog_name=CATALOG):
    s = TABLES[tbl]
    rows = spark_rows(spark, f"silver_{tbl}", s.business_columns + [d[0] for d in s.derived],
                      silver_types(tbl), "_is_current", catalog_name)
    return rows


def silver_all(spark, tbl):
    types = silver_types(tbl)
    return spark_rows(spark, f"silver_{tbl}", list(types), types)


def pg_rows(pg, tbl):
    cols = TABLES[tbl].business_columns
    cur = pg.execute(f"SELECT {', '.join(cols)} FROM public.{tbl}")
    return [{c: norm(v) for c, v in zip(cols, row)} for row in cur.fetchall()]


def compare_keyed(expected, actual, key, what, columns=None, limit=25):
    """Assert two row lists are equal as maps key -> row; the message names the differing keys/columns."""
    def by_key(rows, side):
        out = {}
        for r in rows:
            k = tuple(r[c] for c in key) if isinstance(key, (list, tuple)) else r[key]
            if k in out:
                raise AssertionError(f"{what}: {side} has two rows for key {k!r}: {out[k]} / {r}")
            out[k] = r
        return out

    exp, act = by_key(expected, "expected"), by_key(actual, "actual")
    problems = []
    for k in sorted(exp.keys() - act.keys(), key=repr):
        problems.append(f"key {k!r}: missing (expected {exp[k]})")
    for k in sorted(act.keys() - exp.keys(), key=repr):
        problems.append(f"key {k!r}: unexpected row {act[k]}")
    for k in sorted(exp.keys() & act.keys(), key=repr):
        cols = columns or sorted(exp[k].keys() | act[k].keys())
        for c in cols:
            if exp[k].get(c) != act[k].get(c):
                problems.append(f"key {k!r} column {c}: expected {show(exp[k].get(c))}, actual {show(act[k].get(c))}")
    if problems:
        shown = "\n  ".join(problems[:limit])
        more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
        raise AssertionError(f"{what}: {len(problems)} difference(s) "
                             f"({len(exp)} expected rows, {len(act)} actual rows):\n  {shown}{more}")


def expected_derived(tbl, row):
    """Derived silver columns from the source row, per the contract (ARCHITECTURE §3) and cdc_lake.scd2."""
    if tbl == "users":
        email = row["email"]
        return {"email_domain": email.rsplit("@", 1)[1].lower() if email and "@" in email else None}
    if tbl == "products":
        price = row["price"]
        cat = None if price is None else "budget" if price < 50 else "standard" if price < 200 else "premium"
        return {"price_category": cat, "is_active": row["status"] == "active"}
    amount = row["total_amount"]
    cat = None if amount is None else "small" if amount < 100 else "medium" if amount < 500 else "large"
    return {"order_value_category": cat}


def assert_silver_matches_postgres(spark, pg, tbl, catalog_name=CATALOG):
    """Silver current rows == Postgres rows, column for column (source + derived columns)."""
    expected = [{**r, **expected_derived(tbl, r)} for r in pg_rows(pg, tbl)]
    compare_keyed(expected, silver_current(spark, tbl, catalog_name), TABLES[tbl].key,
                  f"silver_{tbl} current rows vs Postgres public.{tbl} ({catalog_name})")


def assert_scd2_invariants(spark, tbl):
    """One current row per key at most; a key's windows chain without overlap or gap; current = last, not 'd'."""
    key = TABLES[tbl].key
    rows = silver_all(spark, tbl)
    per_key = {}
    for r in rows:
        per_key.setdefault(r[key], []).append(r)
    problems = []
    for k, hist in per_key.items():
        hist.sort(key=lambda r: (r["_valid_from"], r["_source_lsn"]))
        lsns = [r["_source_lsn"] for r in hist]
        if len(set(lsns)) != len(lsns):
            problems.append(f"{key}={k}: duplicate _source_lsn in history {lsns}")
        if lsns != sorted(lsns):
            problems.append(f"{key}={k}: history not in LSN order when sorted by _valid_from: {lsns}")
        current = [r for r in hist if r["_is_current"]]
        if len(current) > 1:
            problems.append(f"{key}={k}: {len(current)} current rows (lsns {[r['_source_lsn'] for r in current]})")
        for a, b in zip(hist, hist[1:]):
            if a["_valid_to"] != b["_valid_from"]:
                problems.append(f"{key}={k}: window [{show(a['_valid_from'])}, {show(a['_valid_to'])}) is followed "
                                f"by one starting {show(b['_valid_from'])} (overlap or gap)")
            if a["_is_current"]:
                problems.append(f"{key}={k}: non-last version lsn {a['_source_lsn']} is current")
        last = hist[-1]
        if last["_valid_to"] is not None:
            problems.append(f"{key}={k}: last version has _valid_to {show(last['_valid_to'])}")
        if last["_is_current"] != (last["operation"] != "d"):
            problems.append(f"{key}={k}: last version op={last['operation']} _is_current={last['_is_current']}")
    assert not problems, f"silver_{tbl} SCD2 invariants violated:\n  " + "\n  ".join(problems[:25])


def history(spark, tbl, key_value):
    """A key's silver versions in source order."""
    rows = spark_rows(spark, f"silver_{tbl}", list(silver_types(tbl)), silver_types(tbl),
                      f"{TABLES[tbl].key} = {int(key_value)}")
    return sorted(rows, key=lambda r: r["_source_lsn"])


class Changes:
    """Runs DML on Postgres and counts the Kafka records Debezium will publish for it, per topic.

    A delete yields two records (the 'd' event and its tombstone: tombstones.on.delete=true).
    """

    def __init__(self, pg):
        self.pg = pg
        self.expected = {t: 0 for t in SOURCE_TOPICS}

    def _count(self, tbl, rows, delete=False):
        self.expected[f"cdc.db.{tbl}"] += rows * (2 if delete else 1)

    def insert(self, tbl, **values):
        cols = ", ".join(values)
        marks = ", ".join(["%s"] * len(values))
        row_id = self.pg.execute(f"INSERT INTO public.{tbl} ({cols}) VALUES ({marks}) RETURNING id",
                                 list(values.values())).fetchone()[0]
        self._count(tbl, 1)
        return row_id

    def update(self, tbl, row_id, cur=None, **values):
        sets = ", ".join(f"{c} = %s" for c in values)
        n = (cur or self.pg).execute(f"UPDATE public.{tbl} SET {sets} WHERE id = %s",
                                     [*values.values(), row_id]).rowcount
        assert n == 1, f"update of {tbl} id {row_id} touched {n} rows"
        self._count(tbl, 1)

    def delete(self, tbl, row_id):
        n = self.pg.execute(f"DELETE FROM public.{tbl} WHERE id = %s", [row_id]).rowcount
        assert n == 1, f"delete of {tbl} id {row_id} touched {n} rows"
        self._count(tbl, 1, delete=True)


def kill_tree(run_id, timeout=30):
    """SIGKILL every process whose command line carries the run id (bash wrapper, spark-submit JVM, python)."""
    import signal

    def pids():
        out = subprocess.run(["pgrep", "-f", run_id], capture_output=True, text=True).stdout.split()
        return [int(p) for p in out if int(p) != os.getpid()]

    found = pids()
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while pids():
        if time.monotonic() > deadline:
            pytest.fail(f"processes of {run_id} still alive after SIGKILL: {pids()}")
        time.sleep(0.2)
    return found
