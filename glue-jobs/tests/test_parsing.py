import base64
import datetime
import json

from chispa import assert_df_equality

from conftest import envelope, kafka_record

USER = {"id": 1, "email": "a@x.io", "full_name": "A", "country": "IN",
        "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"}


def test_valid_envelopes_become_bronze_rows_with_source_positions(spark, kafka_df):
    df = kafka_df([
        kafka_record(envelope("users", "c", after=USER, lsn=100, ts_ms=1_764_064_800_000), 5, key='{"id":1}'),
        kafka_record(envelope("users", "d", before=USER, lsn=200, ts_ms=1_764_151_200_000), 6, key='{"id":1}'),
    ])
    good, bad = parse_envelopes_of(df)
    actual = good.select("source_table", "operation", "key", "source_lsn", "source_tx_id", "source_ts_ms",
                         "event_date", "kafka_topic", "kafka_partition", "kafka_offset", "replay_count",
                         "origin_topic")
    expected = spark.createDataFrame(
        [("users", "c", '{"id":1}', 100, 700, 1_764_064_800_000, datetime.date(2025, 11, 25), "cdc.db.users", 0, 5, 0, None),
         ("users", "d", '{"id":1}', 200, 700, 1_764_151_200_000, datetime.date(2025, 11, 26), "cdc.db.users", 0, 6, 0, None)],
        actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)
    rows = {r.operation: r for r in good.collect()}
    assert rows["c"].before is None and '"email":"a@x.io"' in rows["c"].after
    assert rows["d"].after is None and '"id":1' in rows["d"].before
    assert bad.count() == 0


def test_tombstones_are_skipped_not_dead_lettered(kafka_df):
    good, bad = parse_envelopes_of(kafka_df([
        kafka_record(None, 7, key='{"id":1}'),
        kafka_record(envelope("users", "u", before=USER, after=USER, lsn=9), 8),
    ]))
    assert [r.kafka_offset for r in good.collect()] == [8]
    assert bad.count() == 0


def test_bad_records_go_to_the_dlq_with_a_stable_error_class(spark, kafka_df):
    good, bad = parse_envelopes_of(kafka_df([
        kafka_record('{"op": "c", "after": {"id": 1', 1),
        kafka_record(envelope("users", None, after=USER, lsn=1), 2),
        kafka_record(envelope("users", "x", after=USER, lsn=1), 3),
        kafka_record(envelope("users", "c", after=USER, lsn=None), 4),
        kafka_record(envelope("users", "u", before=USER, after=None, lsn=5), 5),
        kafka_record(b"\xff\xfe{not utf8", 6),
        kafka_record('{"op": "c", "source": {"lsn": "not-a-number"}}', 7),
        kafka_record(envelope("users", "c", after=USER, lsn=8), 8),
    ]), job_run_id="run-1")
    actual = bad.select("offset", "error_class", "encoding", "job_run_id")
    expected = spark.createDataFrame([
        (1, "MALFORMED_JSON", "utf8", "run-1"),
        (2, "MISSING_FIELD", "utf8", "run-1"),
        (3, "UNKNOWN_OP", "utf8", "run-1"),
        (4, "MISSING_FIELD", "utf8", "run-1"),
        (5, "MISSING_FIELD", "utf8", "run-1"),
        (6, "INVALID_ENCODING", "base64", "run-1"),
        (7, "INVALID_ENVELOPE", "utf8", "run-1"),
    ], actual.schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)
    errors = {r.offset: r for r in bad.collect()}
    assert errors[2].error == "missing field: op"
    assert errors[4].error == "missing field: source.lsn"
    assert "after" in errors[5].error and "op=u" in errors[5].error
    assert errors[1].value == '{"op": "c", "after": {"id": 1'
    assert base64.b64decode(errors[6].value) == b"\xff\xfe{not utf8"
    assert [r.kafka_offset for r in good.collect()] == [8]


def test_replay_headers_are_carried_into_bronze(kafka_df):
    headers = {"cdc.origin.topic": "cdc.db.users", "cdc.origin.partition": "2",
               "cdc.origin.offset": "41", "cdc.replay.count": "3"}
    good, _ = parse_envelopes_of(kafka_df([
        kafka_record(envelope("users", "c", after=USER, lsn=10), 90, headers=headers)]))
    row = good.first()
    assert (row.origin_topic, row.origin_partition, row.origin_offset, row.replay_count) == ("cdc.db.users", 2, 41, 3)
    assert row.source_lsn == 10 and row.kafka_offset == 90


def test_garbled_replay_headers_do_not_fail_the_batch(kafka_df):
    # Spark 4's ANSI casts would throw on these; the record is good, only its annotations are not
    headers = {"cdc.origin.topic": "cdc.db.users", "cdc.origin.partition": "two",
               "cdc.origin.offset": "4x1", "cdc.replay.count": "\u00ff"}
    good, bad = parse_envelopes_of(kafka_df([
        kafka_record(envelope("users", "c", after=USER, lsn=10), 91, headers=headers)]))
    row = good.first()
    assert (row.origin_topic, row.origin_partition, row.origin_offset, row.replay_count) == ("cdc.db.users", None, None, 0)
    assert bad.count() == 0


def test_a_key_that_is_not_utf8_is_kept_as_base64(kafka_df):
    records = [kafka_record(envelope("users", "c", after=USER, lsn=10), 92), kafka_record(b"\xc3\x28", 93)]
    records[0] = (b"\xff\x01",) + records[0][1:]
    good, bad = parse_envelopes_of(kafka_df(records))
    assert good.first().key == base64.b64encode(b"\xff\x01").decode()
    assert [(r.offset, r.error_class, r.encoding) for r in bad.collect()] == [(93, "INVALID_ENCODING", "base64")]


def test_source_table_falls_back_to_the_topic_suffix(kafka_df):
    value = '{"op":"c","after":{"id":1},"source":{"lsn":3,"ts_ms":1764064800000},"ts_ms":1}'
    good, bad = parse_envelopes_of(kafka_df([kafka_record(value, 1, topic="cdc.db.orders")]))
    assert bad.count() == 0
    assert good.first().source_table == "orders"


def parse_envelopes_of(df, job_run_id="test-run"):
    from cdc_lake.parsing import parse_envelopes
    return parse_envelopes(df, job_run_id=job_run_id)


def test_an_incremental_snapshot_read_is_placed_by_its_source_sequence(kafka_df):
    # `connector snapshot`: Debezium's incremental snapshot reads carry no source.lsn, only the position
    # where the chunk was read, as source.sequence [last commit LSN, LSN]
    def snapshot_read(sequence):
        value = json.loads(envelope("users", "r", after=USER, lsn=None))
        value["source"].update(snapshot="incremental", sequence=sequence)
        return json.dumps(value)

    good, bad = parse_envelopes_of(kafka_df([
        kafka_record(snapshot_read('["100","120"]'), 1),
        kafka_record(snapshot_read("garbled"), 2),
    ]))
    assert [(r.kafka_offset, r.operation, r.source_lsn) for r in good.collect()] == [(1, "r", 120)]
    assert [(r.offset, r.error) for r in bad.collect()] == [(2, "missing field: source.lsn")]


def test_the_staged_batch_keeps_the_raw_value_of_a_bad_record_only(kafka_df):
    # ingest_batch caches the staged records: a good one is there as its parsed envelope, not twice
    from cdc_lake.parsing import stage_envelopes
    staged = stage_envelopes(kafka_df([
        kafka_record(envelope("users", "c", after=USER, lsn=1), 1),
        kafka_record('{"op": "c"', 2),
    ]))
    rows = {r.offset: r for r in staged.collect()}
    assert rows[1]._error_class is None and rows[1]._value_text is None and '"a@x.io"' in rows[1]._env.after
    assert rows[2]._error_class == "MALFORMED_JSON" and rows[2]._value_text == '{"op": "c"'
