"""Fault drills: the pipeline on the real local stack under a background load, one fault per drill.

Selected by CDC_DRILLS ("all" or numbers: "1,4,7"); without it this directory is not collected. The
selected drills share one stack and run one after another inside one session fixture: each starts the
background load (`cdcctl load`, seeded), injects its fault, clears it and stops its load; then the
pipeline catches up once (the connector past a sentinel change, then bronze, silver and gold) and the
lake is compared with Postgres once. Each drill's test asserts its own facts and the shared
comparison, and prints one line: changes written, lost, duplicated current rows, DLQ records expected
and seen, time to catch up (after its fault was cleared).
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from cdc_lake import catalog

from ..conftest import (
    JOBS_DIR, LAKE_ROOT, REPO, TABLES, assert_scd2_invariants, cli, expected_derived, log_tail, norm, pg_rows,
    profile, run_job, silver_all, silver_current, table,
)

SELECTED = os.environ.get("CDC_DRILLS", "").strip()
if not SELECTED:
    collect_ignore = ["test_drills.py"]

NAMES = {
    1: "Kafka Connect SIGKILL during load",
    2: "Kafka broker SIGKILL during load",
    3: "streaming bronze job SIGKILL mid-batch",
    4: "bronze_to_silver SIGKILL between table commits",
    5: "Postgres fast restart during load",
    6: "Connect down for a long outage",
    7: "poison records, correction and replay",
    8: "storage root unwritable during a bronze batch",
}
LAKE_DIR = Path(urlparse(LAKE_ROOT).path)
CHECKPOINT = LAKE_DIR / "checkpoints" / catalog.job_for_script("kafka_to_bronze.py")  # where the job keeps it
RATE = int(os.environ.get("CDC_DRILL_RATE", "10"))
OUTAGE_S = int(os.environ.get("CDC_DRILL_OUTAGE_S", "60"))
STACK_OPS = Path(__file__).with_name("stack_ops.js")


def selected():
    if SELECTED in ("all", ""):
        return sorted(NAMES)
    return sorted(int(n) for n in SELECTED.split(",") if n.strip())


def pytest_configure(config):
    config.addinivalue_line("markers", "drill(n): fault drill number n (CDC_DRILLS selects them)")


def pytest_collection_modifyitems(config, items):
    wanted = set(selected())
    keep = [i for i in items if not i.get_closest_marker("drill") or i.get_closest_marker("drill").args[0] in wanted]
    dropped = [i for i in items if i not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


LINES = []


def pytest_terminal_summary(terminalreporter):
    if LINES:
        terminalreporter.section("fault drills")
        for line in LINES:
            terminalreporter.write_line(line)


# --------------------------------------------------------------------------------------------- stack

def node_op(*args, timeout=180):
    proc = subprocess.run(["node", str(STACK_OPS), str(REPO), *args], capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"stack_ops {' '.join(args)} failed: {proc.stderr[-1500:]}")
    return json.loads(proc.stdout or "null")


def pid_of(component):
    path = Path(profile()["stateDir"]) / component / "pid"
    return int(path.read_text().split()[0]) if path.exists() else None


def sigkill(component):
    pid = pid_of(component)
    assert pid, f"no pid file for {component}"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and "Z" not in _state(pid):
        assert time.monotonic() < deadline, f"{component} pid {pid} survived SIGKILL"
        time.sleep(0.2)
    return pid


def _state(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2]
    except (FileNotFoundError, ValueError):
        return "X"


def connector_running(timeout=240):
    """Wait until the connector and its tasks run; a task failed by the fault is restarted (and said so)."""
    deadline = time.monotonic() + timeout
    restarted = False
    while True:
        status = (cli("connector", "status", check=False, timeout=60).get("result") or {})
        tasks = status.get("tasks") or []
        states = {status.get("state")} | {t.get("state") for t in tasks}
        if status.get("state") == "RUNNING" and tasks and all(t.get("state") == "RUNNING" for t in tasks):
            return restarted
        if "FAILED" in states and not restarted:
            cli("connector", "restart", "--failed-only", check=False, timeout=60)
            restarted = True
        if time.monotonic() > deadline:
            raise AssertionError(f"connector not RUNNING within {timeout}s: {json.dumps(status)[:1500]}")
        time.sleep(2)


def slot_confirmed(pg):
    row = pg.execute("SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = %s",
                     [profile()["connect"]["slot"]]).fetchone()
    return int(row[0]) if row and row[0] is not None else None


class Sentinel:
    """A drill-owned row: an update to it is a change whose capture marks 'Debezium caught up to here'."""

    def __init__(self, pg):
        self.pg = pg
        self.id = pg.execute("INSERT INTO public.users (email, full_name) VALUES (%s, 'drill sentinel') RETURNING id",
                             [f"sentinel-{os.getpid()}-{time.time_ns()}@drill.example"]).fetchone()[0]

    def caught_up(self, timeout=300, since=None):
        """Change the sentinel, wait until the slot confirms it (every earlier change is in Kafka); the
        seconds that took, or since `since` (a time.monotonic(), e.g. when a fault was cleared)."""
        started = time.monotonic()
        with self.pg.transaction():
            lsn = int(self.pg.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn").fetchone()[0])
            self.pg.execute("UPDATE public.users SET updated_at = now() WHERE id = %s", [self.id])
        while (slot_confirmed(self.pg) or 0) < lsn:
            if time.monotonic() - started > timeout:
                raise AssertionError(f"the connector did not capture the sentinel change (LSN {lsn}) within {timeout}s")
            time.sleep(0.5)
        return time.monotonic() - (started if since is None else since)


class Load:
    """`cdcctl load` in the background: start it, then stop it (SIGTERM) for its counts."""

    def __init__(self, seed):
        self.proc = subprocess.Popen(
            ["node", str(REPO / "bin" / "run.js"), "load", "--seed", str(seed), "--duration", "3600",
             "--rate", str(RATE), "--max-rows", "5", "--json"], cwd=REPO, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert self.proc.poll() is None, f"cdcctl load exited at once: {self.proc.communicate()}"

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=120)
        result = json.loads(out).get("result") if out.strip() else None
        assert result, f"cdcctl load gave no result (exit {self.proc.returncode}): {err[-1500:]}"
        return result


# --------------------------------------------------------------------------------------------- checkpoint

def batch_ids(sub):
    d = CHECKPOINT / sub
    return sorted(int(p.name) for p in d.iterdir() if p.name.isdigit()) if d.exists() else []


def wait_mid_batch(run_id, after_commit, timeout=300):
    """Wait until the streaming run committed a batch past `after_commit` and has the next one in flight."""
    deadline = time.monotonic() + timeout
    while True:
        offsets, commits = batch_ids("offsets"), batch_ids("commits")
        if commits and commits[-1] > after_commit and offsets and offsets[-1] not in commits:
            return offsets[-1]
        if (JOBS_DIR / f"{run_id}.exit").exists():
            raise AssertionError(f"bronze run {run_id} ended before a batch was caught in flight:\n{log_tail(run_id)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no in-flight bronze batch within {timeout}s (offsets {offsets[-3:]}, commits {commits[-3:]})")
        time.sleep(0.1)


def run_state(job, run_id, timeout=300):
    deadline = time.monotonic() + timeout
    while True:
        state = cli("job", "status", job, run_id, check=False).get("result") or {}
        if state.get("state") not in ("RUNNING", "STARTING", "STOPPING") or time.monotonic() > deadline:
            return state
        time.sleep(1)


# --------------------------------------------------------------------------------------------- lake vs Postgres

def verify_lake(lake, pg, as_of):
    """Silver current rows == Postgres (lost, extra, duplicated), SCD2 invariants, gold == SQL, bronze not doubled."""
    from ..test_pipeline import SEGMENT_SQL  # the gold SQL the pipeline test holds gold to

    out = {"lost": 0, "extra": 0, "duplicated": 0, "problems": []}
    for tbl, spec in TABLES.items():
        expected = {r[spec.key]: {**r, **expected_derived(tbl, r)} for r in pg_rows(pg, tbl)}
        current = {}
        for r in silver_current(lake, tbl):
            if r[spec.key] in current:
                out["duplicated"] += 1
            current[r[spec.key]] = r
        for k, row in expected.items():
            if current.get(k) != row:
                out["lost"] += 1
                if len(out["problems"]) < 10:
                    out["problems"].append(f"{tbl} {spec.key}={k}: Postgres {row} vs silver {current.get(k)}")
        extra = set(current) - set(expected)
        out["extra"] += len(extra)
        if extra:
            out["problems"].append(f"{tbl}: current silver rows for keys gone from Postgres: {sorted(extra)[:10]}")
        try:
            assert_scd2_invariants(lake, tbl)
        except AssertionError as exc:
            out["problems"].append(str(exc)[:2000])
    dupes = lake.sql(f"SELECT count(*) AS n FROM (SELECT kafka_topic, kafka_partition, kafka_offset FROM "
                     f"{table('bronze_cdc_events')} GROUP BY 1, 2, 3 HAVING count(*) > 1)").first().n
    out["bronze_duplicates"] = dupes
    if dupes:
        out["problems"].append(f"bronze holds {dupes} Kafka record(s) more than once")
    gold_sql = {
        "gold_user_analytics": ("user_id", f"""
            SELECT *, {SEGMENT_SQL} AS segment FROM (
              SELECT u.id AS user_id, u.email, u.country,
                     %(as_of)s::date - max((o.order_date AT TIME ZONE 'UTC')::date) AS recency_days,
                     count(o.id) AS frequency, coalesce(sum(o.total_amount), 0) AS monetary
              FROM public.users u LEFT JOIN public.orders o ON o.user_id = u.id
              GROUP BY u.id, u.email, u.country) x"""),
        "gold_product_analytics": ("product_id", """
            SELECT *, CASE WHEN revenue >= 1000 THEN 'top' WHEN revenue >= 100 THEN 'mid' ELSE 'low' END
                      AS performance_tier FROM (
              SELECT p.id AS product_id, p.name, p.category, coalesce(sum(o.quantity), 0) AS units,
                     coalesce(sum(o.total_amount), 0) AS revenue, count(o.id) AS orders
              FROM public.products p LEFT JOIN public.orders o ON o.product_id = p.id
              GROUP BY p.id, p.name, p.category) x"""),
        "gold_sales_summary": ("order_day", """
            SELECT (order_date AT TIME ZONE 'UTC')::date AS order_day, count(*) AS orders,
                   sum(total_amount) AS revenue, round(sum(total_amount) / count(*), 2) AS avg_order_value,
                   count(DISTINCT user_id) AS distinct_customers
            FROM public.orders GROUP BY 1"""),
    }
    out["gold_differences"] = 0
    for name, (key, sql) in gold_sql.items():
        cur = pg.execute(sql, {"as_of": as_of})
        cols = [d.name for d in cur.description]
        expected = {r[0]: dict(zip(cols, map(norm, r))) for r in cur.fetchall()}
        types = {f.name: f.dataType.simpleString() for f in lake.table(table(name)).schema.fields}
        exprs = [f"unix_micros(`{c}`) AS `{c}`" if types.get(c) == "timestamp" else f"`{c}`" for c in cols]
        actual = {r[key]: {c: norm(v) for c, v in r.asDict().items()}
                  for r in lake.sql(f"SELECT {', '.join(exprs)} FROM {table(name)}").collect()}
        diff = [k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)]
        out["gold_differences"] += len(diff)
        if diff:
            k = sorted(diff, key=repr)[0]
            out["problems"].append(f"{name}: {len(diff)} row(s) differ from SQL on Postgres, e.g. {key}={k}: "
                                   f"{expected.get(k)} vs {actual.get(k)}")
    return out


def active_dlq_origins():
    out = cli("dlq", "inspect", "--limit", "1000000", timeout=300, check=False)
    if out.get("code") == "STORAGE_ROOT_MISSING":
        return {}  # no job ran on this lake yet
    assert out.get("status") == 0, f"cdcctl dlq inspect failed: {json.dumps(out)[:2000]}"
    return {r["origin"]: r["errorClass"] for r in out["result"]["records"]}

