"""DLQ acceptance, end to end on the local stack: poison -> DLQ -> export -> fix by hand -> replay -> silver.

Two poison records for users X and Y go into cdc.db.users next to a good change of user Z. The bronze
job dead-letters the poison (MALFORMED_JSON, MISSING_FIELD) and lets Z through. The poison records are
exported, corrected by hand into valid Debezium envelopes whose LSN L is newer than X's and Y's current
silver rows, and replayed: they reach bronze with their replay headers and become the current silver
rows (silver orders by source.lsn), and they leave the active DLQ. Finally Postgres is brought in line
with what the replay wrote (the reconcile checks that run after compare silver with Postgres).

X, Y and Z are users this module inserts (tagged), so no other test or engineer touches their keys
while the scenario runs: a foreign change to X between reading L and the replay would have a newer LSN
and rightly win. The three tests are steps of one scenario and run in file order.
"""
import datetime
import json
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import (
    LAKE_ROOT, REPO, Changes, cli, compare_keyed, expected_derived, history, kafka_brokers, norm, run_job, show,
    silver_types, spark_rows, table, topic_end_offsets, wait_for_kafka,
)

pytestmark = pytest.mark.integration

UTC = datetime.timezone.utc
TOPIC = "cdc.db.users"
USER_COLUMNS = ["id", "email", "full_name", "country", "created_at", "updated_at"]
FIXED_COUNTRY = {"x": "ZZ", "y": "YY"}
LAKE_DIR = Path(urlparse(LAKE_ROOT).path)
JOB_ATTEMPTS = 3


# --------------------------------------------------------------------------------------------- helpers

_PRODUCE_JS = r"""
const {Kafka, Partitioners, logLevel} = require(process.argv[1] + '/node_modules/kafkajs')
let input = ''
process.stdin.on('data', (c) => { input += c })
process.stdin.on('end', async () => {
  const {brokers, topic, messages} = JSON.parse(input)
  const kafka = new Kafka({clientId: 'cdc-it-dlq', brokers, logLevel: logLevel.NOTHING})
  const producer = kafka.producer({createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false})
  await producer.connect()
  const out = []
  try {
    for (const m of messages) {
      const [meta] = await producer.send({topic, acks: -1, messages: [{key: m.key, value: m.value}]})
      out.push({topic: meta.topicName, partition: meta.partition, offset: Number(meta.baseOffset)})
    }
  } finally {
    await producer.disconnect()
  }
  process.stdout.write(JSON.stringify(out))
})
"""


def produce(topic, messages, brokers=None):
    """Send (key, value) text pairs one by one with kafkajs; returns their [{topic, partition, offset}]."""
    payload = json.dumps({"brokers": list(brokers or kafka_brokers()), "topic": topic,
                          "messages": [{"key": k, "value": v} for k, v in messages]})
    proc = subprocess.run(["node", "-e", _PRODUCE_JS, str(REPO)], input=payload, capture_output=True,
                          text=True, timeout=60, cwd=REPO)
    if proc.returncode != 0:
        pytest.fail(f"producing to {topic} with kafkajs failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def run_job_retrying(job):
    """run_job, retried when another engineer's run of the same job on this machine got in the way."""
    for attempt in range(1, JOB_ATTEMPTS + 1):
        try:
            return run_job(job)
        except pytest.fail.Exception:
            if attempt == JOB_ATTEMPTS:
                raise
            time.sleep(5 * attempt)


def run_bronze_and_silver():
    return {job: run_job_retrying(job) for job in ("kafka-to-bronze", "bronze-to-silver")}


def key_text(user_id):
    return json.dumps({"id": int(user_id)}, separators=(",", ":"))  # Debezium's key: {"id":123}


def coords(r):
    return (r["topic"], int(r["partition"]), int(r["offset"]))


def iso(ts):
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pg_users(pg, ids):
    cur = pg.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM public.users WHERE id = ANY(%s)", [list(ids)])
    return {row[0]: dict(zip(USER_COLUMNS, row)) for row in cur.fetchall()}


def expected_users(pg, ids):
    rows = [{c: norm(v) for c, v in r.items()} for r in pg_users(pg, ids).values()]
    return [{**r, **expected_derived("users", r)} for r in rows]


def silver_current_users(lake, ids, extra=()):
    types = silver_types("users")
    cols = USER_COLUMNS + ["email_domain", *extra]
    where = f"_is_current AND id IN ({', '.join(str(int(i)) for i in ids)})"
    return spark_rows(lake, "silver_users", cols, types, where)


def envelope(before_row, after_row, lsn, op="u"):
    """A Debezium envelope (JSON converter, schemas disabled) as the connector writes it for public.users."""
    now_ms = int(time.time() * 1000)
    image = lambda r: None if r is None else {  # noqa: E731
        c: (iso(v) if isinstance(v, datetime.datetime) else v) for c, v in r.items()}
    return {
        "before": image(before_row), "after": image(after_row),
        "source": {"version": "3.6.1.Final", "connector": "postgresql", "name": "cdc", "ts_ms": now_ms,
                   "snapshot": "false", "db": "cdc_demo", "schema": "public", "table": "users",
                   "txId": 1, "lsn": int(lsn)},
        "transaction": None, "op": op, "ts_ms": now_ms,
    }


def dlq_inspect(*extra):
    return cli("dlq", "inspect", "--topic", TOPIC, "--limit", "1000000", *extra)["result"]["records"]


def dlq_total():
    return cli("dlq", "list", "--topic", TOPIC)["result"]["total"]


def assert_history_chains(lake, user_id):
    """X's SCD2 history: LSN order == _valid_from order, windows chain, exactly the last one current."""
    hist = history(lake, "users", user_id)
    assert hist, f"silver_users has no history for id {user_id}"
    by_time = sorted(hist, key=lambda r: (r["_valid_from"], r["_source_lsn"]))
    assert [r["_source_lsn"] for r in by_time] == [r["_source_lsn"] for r in hist], \
        f"id {user_id}: history not in LSN order by _valid_from: {hist}"
    for a, b in zip(hist, hist[1:]):
        assert a["_valid_to"] == b["_valid_from"], \
            f"id {user_id}: window ending {show(a['_valid_to'])} followed by one starting {show(b['_valid_from'])}"
        assert not a["_is_current"], f"id {user_id}: non-last version lsn {a['_source_lsn']} is current: {hist}"
    assert hist[-1]["_is_current"] and hist[-1]["_valid_to"] is None, f"id {user_id}: last version not open: {hist}"
    return hist


# --------------------------------------------------------------------------------------------- scenario

@pytest.fixture(scope="module")
def scenario(pg, lake, tmp_path_factory):
    """Steps 1-3: X, Y, Z live; L read; poison for X and Y plus a good change of Z; bronze + silver run."""
    tag = f"itdlq{uuid.uuid4().hex[:8]}"
    state = {"tag": tag, "tmp": tmp_path_factory.mktemp("dlq-e2e")}
    baseline = topic_end_offsets()
    ch = Changes(pg)
    ids = {who: ch.insert("users", email=f"{tag}-{who}@dlq.example", full_name=f"Dlq {who.upper()}", country="FR")
           for who in ("x", "y", "z")}
    state["ids"] = ids
    # After X's and Y's commits: every change of theirs so far has a smaller LSN.
    state["lsn"] = int(pg.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0])

    state["z_name"] = f"Dlq Z renamed {tag}"
    ch.update("users", ids["z"], full_name=state["z_name"], updated_at=datetime.datetime.now(UTC))

    rows = pg_users(pg, [ids["x"], ids["y"]])
    x_row, y_row = rows[ids["x"]], rows[ids["y"]]
    truncated = json.dumps(envelope(x_row, x_row, state["lsn"]))[:70]  # cut mid-envelope: not JSON
    no_lsn = envelope(y_row, y_row, state["lsn"])
    del no_lsn["source"]["lsn"]
    poison = {"x": (key_text(ids["x"]), truncated), "y": (key_text(ids["y"]), json.dumps(no_lsn))}
    state["dlq_total_before"] = dlq_total()
    sent = produce(TOPIC, [poison["x"], poison["y"]])
    state["poison"] = {"x": sent[0], "y": sent[1]}
    state["poison_values"] = {who: v for who, (_, v) in poison.items()}

    expected = dict(ch.expected)
    expected[TOPIC] += 2
    wait_for_kafka(baseline, expected)
    state["run1"] = run_bronze_and_silver()
    return state


def _our_dlq_records(state, records):
    wanted = {coords(p): who for who, p in state["poison"].items()}
    return {wanted[coords(r)]: r for r in records if coords(r) in wanted}


def test_poison_goes_to_dlq_and_good_change_reaches_silver(scenario, lake, pg):
    s = scenario
    ids = s["ids"]
    records = dlq_inspect()
    ours = _our_dlq_records(s, records)
    assert set(ours) == {"x", "y"}, \
        f"poison records {s['poison']} not both in the DLQ; found {ours}; DLQ run summary: {s['run1']}"

    x, y = ours["x"], ours["y"]
    assert x["errorClass"] == "MALFORMED_JSON", x
    assert y["errorClass"] == "MISSING_FIELD" and y["error"] == "missing field: source.lsn", y
    for who, r in ours.items():
        assert r["key"] == key_text(ids[who]), r
        assert r["value"] == s["poison_values"][who], f"DLQ kept a different value than was produced: {r}"
        assert r["encoding"] == "utf8" and r["replayCount"] == 0, r
        assert r["origin"] == "{}:{}:{}".format(*coords(s["poison"][who])), r
    # no other DLQ record for X or Y (the good insert events went to bronze)
    for who in ("x", "y"):
        same_key = [r for r in records if r["key"] == key_text(ids[who])]
        assert same_key == [ours[who]], f"DLQ records for user {who.upper()}: {same_key}"
    assert dlq_total() == s["dlq_total_before"] + 2, \
        f"dlq list: expected exactly the 2 new records on {TOPIC} (before {s['dlq_total_before']})"

    compare_keyed(expected_users(pg, ids.values()), silver_current_users(lake, ids.values()), "id",
                  "silver_users current rows of X, Y, Z vs Postgres")
    z = silver_current_users(lake, [ids["z"]])[0]
    assert z["full_name"] == s["z_name"], z
    for who in ("x", "y"):
        cur = silver_current_users(lake, [ids[who]], extra=("_source_lsn",))[0]
        assert cur["_source_lsn"] < s["lsn"], \
            f"L={s['lsn']} must be newer than {who.upper()}'s current silver _source_lsn {cur['_source_lsn']}"
    s["step3_ok"] = True


def test_corrected_records_replay_into_bronze_and_silver(scenario, lake, pg):
    s = scenario
    if not s.get("step3_ok"):
        pytest.fail("the poison step failed; nothing to correct and replay")
    ids, lsn, tmp = s["ids"], s["lsn"], s["tmp"]

    # 4. export, fix by hand: a valid envelope with LSN L, the full row from Postgres, country changed
    export = tmp / "export.jsonl"
    out = cli("dlq", "export", "--out", str(export), "--topic", TOPIC)["result"]
    exported = [json.loads(line) for line in export.read_text().splitlines() if line.strip()]
    assert out["records"] == len(exported), out
    ours = _our_dlq_records(s, exported)
    assert set(ours) == {"x", "y"}, f"dlq export lacks the poison records: {ours}"
    rows = pg_users(pg, [ids["x"], ids["y"]])
    fixed = tmp / "fixed.jsonl"
    lines = []
    for who in ("x", "y"):
        r = ours[who]
        assert r.get("dlq_file") and isinstance(r.get("dlq_line"), int), f"export lacks the DLQ position: {r}"
        before = rows[ids[who]]
        after = {**before, "country": FIXED_COUNTRY[who]}
        lines.append(json.dumps({**r, "value": json.dumps(envelope(before, after, lsn)), "encoding": "utf8"}))
    fixed.write_text("\n".join(lines) + "\n")

    # which DLQ files hold nothing but our two records: those must be archived by the replay
    files = {ours[w]["dlq_file"] for w in ours}
    active_lines = {f: [line for line in (LAKE_DIR / f).read_text().splitlines() if line.strip()] for f in files}
    only_ours = {f for f, ls in active_lines.items()
                 if len(ls) == sum(1 for w in ours if ours[w]["dlq_file"] == f)}

    # 5. replay, then bronze and silver again
    baseline = topic_end_offsets()
    result = cli("dlq", "replay", "--from-file", str(fixed), "--yes", timeout=180)["result"]
    s["replayed"] = True
    assert result["sent"] == 2 and result["selected"] == 2, result
    for f in only_ours:
        assert f in result["archivedFiles"], f"{f} held only the replayed records but was not archived: {result}"
    wait_for_kafka(baseline, {TOPIC: 2})
    s["run2"] = run_bronze_and_silver()

    for who in ("x", "y"):
        cur = silver_current_users(lake, [ids[who]], extra=("_source_lsn", "operation"))
        assert len(cur) == 1, f"user {who.upper()}: {len(cur)} current silver rows: {cur}"
        cur = cur[0]
        expected = {c: norm(v) for c, v in rows[ids[who]].items()}
        expected.update(country=FIXED_COUNTRY[who], **expected_derived("users", expected))
        expected.update(_source_lsn=lsn, operation="u")
        compare_keyed([expected], [cur], "id", f"silver_users current row of {who.upper()} after the replay")
        hist = assert_history_chains(lake, ids[who])
        assert [(r["operation"], r["country"], r["_source_lsn"]) for r in hist][-1] == ("u", FIXED_COUNTRY[who], lsn)
        assert len(hist) == 2, f"user {who.upper()}: expected insert + replayed update, got {hist}"

    # out of the active DLQ; files holding only them archived
    remaining = _our_dlq_records(s, dlq_inspect())
    assert not remaining, f"replayed records still in the active DLQ: {remaining}"
    for f in files:
        archived = LAKE_DIR / "dlq" / "_replayed" / "archive" / f
        if f in only_ours:
            assert not (LAKE_DIR / f).exists(), f"fully replayed DLQ file {f} is still active"
            assert archived.exists(), f"fully replayed DLQ file {f} not in the archive ({archived})"
        else:
            assert (LAKE_DIR / f).exists(), f"DLQ file {f} with other active records disappeared"
    # the replayed records did not fail again
    again = [r for r in dlq_inspect() if r["key"] in (key_text(ids["x"]), key_text(ids["y"]))]
    assert not again, f"replayed records were dead-lettered again: {again}"

    bronze = lake.sql(f"""
        SELECT key, operation, source_lsn, replay_count, origin_topic, origin_partition, origin_offset,
               kafka_topic, kafka_partition, kafka_offset
        FROM {table('bronze_cdc_events')}
        WHERE kafka_topic = '{TOPIC}' AND key IN ('{key_text(ids["x"])}', '{key_text(ids["y"])}')
          AND replay_count > 0""").collect()
    by_key = {}
    for r in bronze:
        by_key.setdefault(r.key, []).append(r.asDict())
    for who in ("x", "y"):
        got = by_key.get(key_text(ids[who]), [])
        assert len(got) == 1, f"bronze rows replayed for {who.upper()}: {got}"
        g = got[0]
        p = s["poison"][who]
        assert (g["replay_count"], g["origin_topic"], g["origin_partition"], g["origin_offset"]) == \
            (1, p["topic"], p["partition"], p["offset"]), f"replay headers not carried into bronze: {g} vs {p}"
        assert (g["operation"], g["source_lsn"]) == ("u", lsn), g
        assert (g["kafka_topic"], g["kafka_partition"], g["kafka_offset"]) != (p["topic"], p["partition"], p["offset"])
    s["step5_ok"] = True


def test_postgres_catches_up_and_silver_equals_postgres(scenario, lake, pg):
    """6. Make Postgres say what the replay wrote; the real events (newer LSN) leave silver == Postgres."""
    s = scenario
    if not s.get("replayed"):
        pytest.fail("nothing was replayed, so there is nothing to reconcile (an earlier step failed)")
    ids = s["ids"]
    baseline = topic_end_offsets()
    ch = Changes(pg)
    for who in ("x", "y"):
        ch.update("users", ids[who], country=FIXED_COUNTRY[who])
    wait_for_kafka(baseline, ch.expected)
    run_bronze_and_silver()

    compare_keyed(expected_users(pg, ids.values()), silver_current_users(lake, ids.values()), "id",
                  "silver_users current rows of X, Y, Z vs Postgres after the catch-up update")
    for who in ("x", "y"):
        hist = assert_history_chains(lake, ids[who])
        assert hist[-1]["country"] == FIXED_COUNTRY[who], hist
        assert hist[-1]["_source_lsn"] >= s["lsn"], hist
