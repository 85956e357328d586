"""The eight fault drills (README "Fault drills"). See conftest.py for how they share one run."""
import base64
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from ..conftest import JOBS_DIR, REPO, cli, kill_tree, profile, run_job
from ..test_dlq_e2e import envelope, key_text, produce
from ..test_kill_rerun import _start_and_kill_mid_run
from .conftest import (
    CHECKPOINT, LAKE_DIR, LINES, NAMES, OUTAGE_S, Load, Sentinel, active_dlq_origins, batch_ids, connector_running,
    node_op, run_state, selected, sigkill, verify_lake, wait_mid_batch,
)

pytestmark = pytest.mark.integration

BRONZE, SILVER, GOLD = "kafka-to-bronze", "bronze-to-silver", "silver-to-gold"
USERS_TOPIC = "cdc.db.users"


class Drill:
    def __init__(self, number):
        self.number = number
        self.facts = {}
        self.error = None
        self.load = None
        self.catch_up_s = None
        self.dlq_expected = 0
        self.dlq_seen = 0


# --------------------------------------------------------------------------------------------- faults

def drill_1(d, ctx):
    time.sleep(8)
    d.facts["killed_pid"] = sigkill("connect")
    time.sleep(5)
    cleared = time.monotonic()
    cli("local", "up", "connect", timeout=240)
    d.facts["task_restarted"] = connector_running()
    d.catch_up_s = ctx["sentinel"].caught_up(since=cleared)


def drill_2(d, ctx):
    time.sleep(8)
    d.facts["killed_pid"] = sigkill("kafka")
    time.sleep(5)
    cleared = time.monotonic()
    node_op("broker-start-default-delay")
    d.facts["task_restarted"] = connector_running()
    d.catch_up_s = ctx["sentinel"].caught_up(since=cleared)


def drill_3(d, ctx):
    ctx["bronze_ran"] = True
    run_id = cli("job", "run", BRONZE, "--no-wait", "--arg", "trigger=continuous", "--arg", "trigger-interval=3 seconds",
                 "--arg", "max-offsets-per-trigger=50")["result"]["runId"]
    commits = batch_ids("commits")
    try:
        d.facts["in_flight_batch"] = wait_mid_batch(run_id, commits[-1] if commits else -1)
    finally:  # the fault; and a run left behind by a failed wait would hold the checkpoint for the next ones
        kill_tree(run_id)
    d.facts["killed_batch_committed"] = d.facts["in_flight_batch"] in batch_ids("commits")
    d.facts["killed_state"] = run_state(BRONZE, run_id).get("state")
    started = time.monotonic()
    run_job(BRONZE)
    d.catch_up_s = time.monotonic() - started


def drill_4(d, ctx):
    if not ctx.get("bronze_ran"):  # silver needs new bronze rows to commit a table before the kill
        run_job(BRONZE)
    run_id, state = _start_and_kill_mid_run()
    d.facts["killed_state"] = state.get("state")
    started = time.monotonic()
    d.facts["rerun"] = run_job(SILVER)["summary"]["rows_written"]
    d.catch_up_s = time.monotonic() - started


def drill_5(d, ctx):
    time.sleep(8)
    cli("local", "down", "postgres", timeout=120)
    time.sleep(3)
    cleared = time.monotonic()
    cli("local", "up", "postgres", timeout=120)
    ctx["pg"].close()
    from ..conftest import pg_connect
    ctx["pg"] = ctx["sentinel"].pg = pg_connect()
    d.facts["task_restarted"] = connector_running()
    d.catch_up_s = ctx["sentinel"].caught_up(since=cleared)


def drill_6(d, ctx):
    cli("local", "down", "connect", timeout=120)
    time.sleep(max(OUTAGE_S - 15, 5))
    # health with thresholds an outage of this length passes, from a config of its own
    with tempfile.TemporaryDirectory() as cwd:
        p = profile()
        Path(cwd, "cdcctl.config.json").write_text(json.dumps({"profiles": {"local": {
            "ports": p["ports"], "stateDir": p["stateDir"], "health": {"slotLagWarnBytes": 1024, "slotLagWarnSeconds": 20}}}}))
        proc = subprocess.run(["node", str(REPO / "bin" / "run.js"), "health", "--json"], cwd=cwd, capture_output=True, text=True, timeout=120)
    checks = {c["check"]: c for c in json.loads(proc.stdout)["result"]["checks"]}
    d.facts["health_exit"] = proc.returncode
    d.facts["slot_lag"] = checks.get("slot lag")
    time.sleep(15)
    cleared = time.monotonic()
    cli("local", "up", "connect", timeout=240)
    d.facts["task_restarted"] = connector_running()
    d.catch_up_s = ctx["sentinel"].caught_up(timeout=600, since=cleared)
    after = {c["check"]: c for c in cli("health", check=False)["result"]["checks"]}
    d.facts["slot_lag_after"] = after.get("slot lag")


POISON = [  # (kind, expected class, value as bytes)
    ("truncated JSON", "MALFORMED_JSON", None),
    ("unknown op", "UNKNOWN_OP", "op"),
    ("binary", "INVALID_ENCODING", b"\xff\xfe\x00\x01binary"),
    ("wrong types", "INVALID_ENVELOPE", "types"),
    ("table outside the catalog", "UNKNOWN_TABLE", "table"),
    ("SQL text in source.table", "UNKNOWN_TABLE", "sql-table"),
    ("SQL text in op", "UNKNOWN_OP", "sql-op"),
]


def _poison_value(kind, row, lsn):
    env = envelope(row, row, lsn)
    if kind is None:
        return json.dumps(env)[:60]
    if isinstance(kind, bytes):
        return kind
    if kind == "op":
        env["op"] = "x"
    elif kind == "types":
        env["source"]["lsn"] = "not a number"
    elif kind == "table":
        env["source"]["table"] = "accounts"
    elif kind == "sql-table":
        env["source"]["table"] = "users'); DROP TABLE silver_users; --"
    elif kind == "sql-op":
        env["op"] = "c' OR '1'='1"
    return json.dumps(env)


def drill_7(d, ctx):
    pg = ctx["pg"]
    ids = [pg.execute("INSERT INTO public.users (email, full_name, country) VALUES (%s, %s, 'FR') RETURNING id",
                      [f"poison-{i}-{time.time_ns()}@drill.example", f"Poison {i}"]).fetchone()[0] for i in range(len(POISON))]
    lsn = int(pg.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0])
    rows = {r[0]: dict(zip(["id", "email", "full_name", "country", "created_at", "updated_at"], r)) for r in pg.execute(
        "SELECT id, email, full_name, country, created_at, updated_at FROM public.users WHERE id = ANY(%s)", [ids]).fetchall()}
    messages = [(key_text(i), _poison_value(kind, rows[i], lsn)) for i, (_, _, kind) in zip(ids, POISON)]
    sent = _produce_raw(USERS_TOPIC, messages)
    origins = {f"{s['topic']}:{s['partition']}:{s['offset']}": (i, cls) for s, i, (_, cls, _) in zip(sent, ids, POISON)}
    d.dlq_expected = len(POISON)
    run_job(BRONZE)
    ctx["bronze_ran"] = True
    dlq = active_dlq_origins()
    d.facts["classes"] = {o: dlq.get(o) for o in origins}
    d.dlq_seen = sum(1 for o in origins if o in dlq)
    ctx["poison_origins"] = set(origins)

    # correct by hand: each becomes a valid update of its user (country ZZ) at LSN L, newer than its insert
    work = Path(tempfile.mkdtemp(prefix="drill7-"))
    exported = work / "export.jsonl"
    cli("dlq", "export", "--out", str(exported), "--topic", USERS_TOPIC, timeout=300)
    fixed_lines = []
    for line in exported.read_text().splitlines():
        r = json.loads(line)
        o = f"{r['topic']}:{r['partition']}:{r['offset']}"
        if o in origins:
            row = rows[origins[o][0]]
            fixed_lines.append(json.dumps({**r, "value": json.dumps(envelope(row, {**row, "country": "ZZ"}, lsn)), "encoding": "utf8"}))
    assert len(fixed_lines) == len(POISON), f"dlq export holds {len(fixed_lines)} of the {len(POISON)} poison records"
    fixed = work / "fixed.jsonl"
    fixed.write_text("\n".join(fixed_lines) + "\n")
    start = {p: o for p, o in _end_offsets(USERS_TOPIC).items()}
    started = time.monotonic()
    # killed mid-way (one record a second), on the broker with Kafka's default rebalance delay
    child = subprocess.Popen(["node", str(REPO / "bin" / "run.js"), "dlq", "replay", "--from-file", str(fixed), "--yes",
                              "--rate", "1", "--json"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3.5)
    child.kill()
    child.wait()
    d.facts["sent_before_kill"] = sum(node_op("replayed", USERS_TOPIC, json.dumps(start)).values())
    rerun = cli("dlq", "replay", "--from-file", str(fixed), "--yes", timeout=300)["result"]
    again = cli("dlq", "replay", "--from-file", str(fixed), "--yes", timeout=300)["result"]
    d.facts["rerun"] = {k: rerun[k] for k in ("sent", "recovered", "alreadyReplayed")}
    d.facts["again"] = {k: again[k] for k in ("sent", "alreadyReplayed")}
    d.facts["replayed_counts"] = node_op("replayed", USERS_TOPIC, json.dumps(start))
    d.catch_up_s = time.monotonic() - started
    # Postgres then says what the corrections said (a newer LSN), so silver must end equal to it
    pg.execute("UPDATE public.users SET country = 'ZZ' WHERE id = ANY(%s)", [ids])


def _produce_raw(topic, messages):
    """produce() of test_dlq_e2e sends text; binary values go base64-encoded and are decoded by the producer."""
    text = [(k, v) for k, v in messages if not isinstance(v, bytes)]
    binary = [(i, k, v) for i, (k, v) in enumerate(messages) if isinstance(v, bytes)]
    out = [None] * len(messages)
    sent_text = iter(produce(topic, text))
    for i, (k, v) in enumerate(messages):
        if not isinstance(v, bytes):
            out[i] = next(sent_text)
    for i, k, v in binary:
        js = ("const {Kafka, logLevel} = require(process.argv[1] + '/node_modules/kafkajs');"
              "(async () => { const [brokers, topic, key, b64] = process.argv.slice(2);"
              "const p = new Kafka({brokers: brokers.split(','), logLevel: logLevel.NOTHING}).producer(); await p.connect();"
              "const [m] = await p.send({topic, acks: -1, messages: [{key, value: Buffer.from(b64, 'base64')}]});"
              "await p.disconnect(); process.stdout.write(JSON.stringify({topic: m.topicName, partition: m.partition, offset: Number(m.baseOffset)})) })()")
        proc = subprocess.run(["node", "-e", js, str(REPO), ",".join(profile()["kafka"]["brokers"]), topic, k,
                               base64.b64encode(v).decode()], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        out[i] = json.loads(proc.stdout)
    return out


def _end_offsets(topic):
    for t in cli("kafka", "topics")["result"]["topics"]:
        if t["topic"] == topic:
            return t["endOffsets"]
    raise AssertionError(f"no topic {topic}")


def drill_8(d, ctx):
    ctx["bronze_ran"] = True
    run_id = cli("job", "run", BRONZE, "--no-wait", "--arg", "max-offsets-per-trigger=50")["result"]["runId"]
    commits = batch_ids("commits")
    try:
        d.facts["in_flight_batch"] = wait_mid_batch(run_id, commits[-1] if commits else -1)
    except BaseException:
        kill_tree(run_id)  # not left to hold the checkpoint for the next runs
        raise
    dirs = [str(p) for p in [LAKE_DIR, *LAKE_DIR.rglob("*")] if p.is_dir()]
    try:
        subprocess.run(["chattr", "+i", *dirs], check=True, capture_output=True)  # root ignores modes, not this
        state = run_state(BRONZE, run_id, timeout=300)
    finally:
        subprocess.run(["chattr", "-i", *dirs], check=True, capture_output=True)
    if state.get("state") == "RUNNING":
        kill_tree(run_id)
    d.facts["failed_state"] = state.get("state")
    d.facts["failed_error"] = state.get("error") or ""
    d.facts["log_says"] = [line for line in (JOBS_DIR / f"{run_id}.log").read_text(errors="replace").splitlines()
                           if line.startswith("error:")][-1:]
    started = time.monotonic()
    run_job(BRONZE)
    d.catch_up_s = time.monotonic() - started


FAULTS = {1: drill_1, 2: drill_2, 3: drill_3, 4: drill_4, 5: drill_5, 6: drill_6, 7: drill_7, 8: drill_8}
# Source-side faults first, then the bronze ones; poison next, so the silver kill (4) finds bronze
# rows to apply without a bronze run of its own.
ORDER = (1, 2, 5, 6, 3, 8, 7, 4)


# --------------------------------------------------------------------------------------------- the run

@pytest.fixture(scope="package")
def drills(pg, lake):
    ctx = {"pg": pg, "drills": {}, "started": time.monotonic()}
    numbers = selected()
    ctx["dlq_before"] = set(active_dlq_origins())
    ctx["sentinel"] = Sentinel(pg)
    # The broker keeps Kafka's default group.initial.rebalance.delay.ms from here on, as AWS's does.
    node_op("broker-default-delay")
    connector_running()
    seed = int(os.environ.get("CDC_DRILL_SEED", "20261203"))
    for n in sorted(numbers, key=ORDER.index):
        d = ctx["drills"][n] = Drill(n)
        t0 = time.monotonic()
        try:
            d.load = Load(seed + n)
            FAULTS[n](d, ctx)
        except Exception as exc:  # noqa: BLE001 - the drill's test reports it; the others still run
            d.error = f"{type(exc).__name__}: {exc}"
            connector_running()
        finally:
            d.load = d.load.stop() if d.load else {"transactions": 0, "changes": 0, "reconnects": 0}
        d.facts["seconds"] = round(time.monotonic() - t0)
    # one catch-up for all: the connector past the sentinel, then bronze, silver and gold
    started = time.monotonic()
    ctx["sentinel"].caught_up()
    run_job(BRONZE)
    run_job(SILVER)
    gold = run_job(GOLD)
    ctx["catch_up_s"] = time.monotonic() - started
    ctx["verify"] = verify_lake(lake, ctx["pg"], gold["summary"]["as_of"])
    dlq_after = active_dlq_origins()
    ctx["dead_again"] = sorted(o for o in dlq_after if o in ctx.get("poison_origins", set()))
    ctx["dlq_unexpected"] = sorted(set(dlq_after) - ctx["dlq_before"] - ctx.get("poison_origins", set()))
    ctx["total_s"] = time.monotonic() - ctx["started"]
    LINES.append(f"all drills: {len(numbers)} run in {ctx['total_s']:.0f}s; after the last load stopped, silver and "
                 f"gold equal Postgres in {ctx['catch_up_s']:.0f}s (connector, bronze, silver, gold)")
    yield ctx
    node_op("broker-local")  # the broker as `cdcctl local up` starts it, whatever a drill did to it
    connector_running()


def notes(d):
    """What else a drill saw, for its line."""
    f = d.facts
    if f.get("task_restarted"):
        yield "the fault failed the connector task; the drill restarted it (cdcctl connector restart --failed-only)"
    if d.number == 5 and isinstance(d.load, dict):
        yield f"load reconnected {d.load.get('reconnects')}x, {d.load.get('uncertain')} commit(s) of unknown outcome"
    if d.number == 6 and f.get("slot_lag"):
        yield f"health during the outage: {f['slot_lag']['status']} {f['slot_lag']['detail']}"
    if d.number == 7 and f.get("rerun"):
        yield f"replay killed after {f['sent_before_kill']} sent; rerun {f['rerun']}; third run {f['again']}"
    if d.number == 8 and f.get("failed_state"):
        yield f"the run {f['failed_state']}: {f.get('failed_error')}; its log: {' '.join(f.get('log_says') or [])[:160]}"
    if d.number in (3, 8) and f.get("in_flight_batch") is not None:
        yield f"batch {f['in_flight_batch']} in flight at the fault"


def report(ctx, n):
    d, v = ctx["drills"][n], ctx["verify"]
    unexpected = len(ctx["dlq_unexpected"])
    LINES.append(
        f"drill {n} {NAMES[n]}: changes written {d.load['changes'] if isinstance(d.load, dict) else '?'}, "
        f"lost {v['lost']}, duplicated current rows {v['duplicated']}, "
        f"DLQ records expected/seen {d.dlq_expected}/{d.dlq_seen + unexpected}, "
        f"time to catch up {'?' if d.catch_up_s is None else f'{d.catch_up_s:.0f}s'}"
        + "".join(f" [{note}]" for note in notes(d))
        + (f" [FAILED: {d.error[:200]}]" if d.error else ""))
    assert d.error is None, f"drill {n} ({NAMES[n]}) failed: {d.error}"
    assert v["lost"] == 0 and v["extra"] == 0 and v["duplicated"] == 0 and v["gold_differences"] == 0 \
        and v["bronze_duplicates"] == 0 and not v["problems"], "lake vs Postgres after the drills:\n  " + "\n  ".join(v["problems"])
    assert not ctx["dlq_unexpected"], f"records in the DLQ that should not be: {ctx['dlq_unexpected'][:20]}"
    assert d.load["transactions"] > 0 and d.load["changes"] > 0, d.load
    return d


@pytest.mark.drill(1)
def test_drill_1_connect_sigkill_under_load(drills):
    d = report(drills, 1)
    assert d.facts["killed_pid"]


@pytest.mark.drill(2)
def test_drill_2_broker_sigkill_under_load(drills):
    d = report(drills, 2)
    assert d.facts["killed_pid"]


@pytest.mark.drill(3)
def test_drill_3_streaming_bronze_sigkill_mid_batch(drills):
    d = report(drills, 3)
    assert not d.facts["killed_batch_committed"], f"batch {d.facts['in_flight_batch']} committed before the kill"
    assert d.facts["killed_state"] == "FAILED", d.facts


@pytest.mark.drill(4)
def test_drill_4_silver_sigkill_between_table_commits(drills):
    d = report(drills, 4)
    assert d.facts["killed_state"] == "FAILED", d.facts
    assert d.facts["rerun"] > 0, d.facts


@pytest.mark.drill(5)
def test_drill_5_postgres_fast_restart_under_load(drills):
    d = report(drills, 5)
    assert d.load["reconnects"] >= 1, d.load


@pytest.mark.drill(6)
def test_drill_6_long_connect_outage(drills):
    d = report(drills, 6)
    lag = d.facts["slot_lag"]
    assert d.facts["health_exit"] == 1 and lag and lag["status"] == "warn", d.facts
    assert "B," in lag["detail"] and " s behind" in lag["detail"], lag
    behind = int(lag["detail"].split(" s behind")[0].split()[-1])
    assert behind >= 20, lag
    assert d.facts["slot_lag_after"]["status"] == "ok", d.facts["slot_lag_after"]


@pytest.mark.drill(7)
def test_drill_7_poison_correction_and_replay(drills):
    d = report(drills, 7)
    expected = {cls for _, cls, _ in POISON}
    assert set(d.facts["classes"].values()) == expected and None not in d.facts["classes"].values(), d.facts["classes"]
    assert d.dlq_seen == d.dlq_expected, d.facts
    counts = d.facts["replayed_counts"]
    assert len(counts) == len(POISON) and set(counts.values()) == {1}, f"replayed other than once each: {counts}"
    assert d.facts["again"] == {"sent": 0, "alreadyReplayed": len(POISON)}, d.facts
    assert not drills["dead_again"], f"corrected records dead-lettered again: {drills['dead_again']}"


@pytest.mark.drill(8)
def test_drill_8_storage_root_unwritable_during_a_bronze_batch(drills):
    d = report(drills, 8)
    assert d.facts["failed_state"] == "FAILED", d.facts
    assert d.facts["failed_error"], d.facts
