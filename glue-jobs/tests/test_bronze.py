import json
from pathlib import Path
from urllib.parse import urlparse

from cdc_lake.bronze import CommittedOffsets, ensure_bronze_table, ingest_batch
from conftest import envelope, kafka_record
from scd2_helpers import user

BRONZE = "lake.cdc.bronze_cdc_events"


def batch(kafka_df, offsets):
    return kafka_df([kafka_record(envelope("users", "c", after=user(o, f"u{o}@x.io"), lsn=o), o) for o in offsets]
                    + [kafka_record("{broken", 1000)])


def test_replayed_micro_batch_does_not_duplicate_bronze(lake, kafka_df, storage_root):
    ensure_bronze_table(lake)
    ingest_batch(lake, batch(kafka_df, [1, 2, 3]), 0, storage_root, "run-1")
    # the same batch again after a restart, then one overlapping the first
    ingest_batch(lake, batch(kafka_df, [1, 2, 3]), 0, storage_root, "run-2")
    ingest_batch(lake, batch(kafka_df, [3, 4]), 1, storage_root, "run-2")
    offsets = [r.kafka_offset for r in lake.sql(f"SELECT kafka_offset FROM {BRONZE} ORDER BY 1").collect()]
    assert offsets == [1, 2, 3, 4]
    operations = {r.operation for r in lake.sql(f"SELECT operation FROM {BRONZE}.snapshots").collect()}
    assert operations == {"append"}


def test_replayed_batch_overwrites_its_dlq_file_instead_of_adding_one(lake, kafka_df, storage_root):
    ensure_bronze_table(lake)
    first = ingest_batch(lake, batch(kafka_df, [1]), 7, storage_root, "run-1")
    second = ingest_batch(lake, batch(kafka_df, [1]), 7, storage_root, "run-2")
    assert first["dlq_files"] == second["dlq_files"] and len(first["dlq_files"]) == 1
    path = first["dlq_files"][0]
    assert "/dlq/bronze/dt=2026-11-25/" in path
    lines = Path(urlparse(path).path).read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert (record["offset"], record["error_class"], record["job_run_id"], record["value"]) == (
        1000, "MALFORMED_JSON", "run-2", "{broken")


def _dlq_lines(files):
    return [json.loads(line) for f in files for line in Path(urlparse(f).path).read_text().splitlines()]


def test_a_table_name_that_closes_the_quote_cannot_skip_the_batch(lake, kafka_df, storage_root):
    """A record's source.table is data: `\\') OR TRUE --` once made the MERGE's ON clause always true,
    so every new row of the batch counted as already present and was dropped."""
    ensure_bronze_table(lake)
    ingest_batch(lake, batch(kafka_df, [1]), 20, storage_root, "run-1")
    poison = envelope("\\') OR TRUE --", "c", after=user(3, "u3@x.io"), lsn=3)
    result = ingest_batch(lake, kafka_df([kafka_record(envelope("users", "c", after=user(2, "u2@x.io"), lsn=2), 2),
                                          kafka_record(poison, 3)]), 21, storage_root, "run-1")
    offsets = [r.kafka_offset for r in lake.sql(f"SELECT kafka_offset FROM {BRONZE} ORDER BY 1").collect()]
    assert offsets == [1, 2]
    dead = {r["offset"]: r["error_class"] for r in _dlq_lines(result["dlq_files"])}
    assert dead == {3: "UNKNOWN_TABLE"}


def test_a_table_outside_the_catalog_goes_to_the_dlq_and_the_batch_still_commits(lake, kafka_df, storage_root):
    """A trailing backslash once left the generated SQL unparseable: the job failed on every retry."""
    ensure_bronze_table(lake)
    result = ingest_batch(lake, kafka_df([
        kafka_record(envelope("users", "c", after=user(1, "u1@x.io"), lsn=1), 1),
        kafka_record(envelope("users\\", "c", after=user(2, "u2@x.io"), lsn=2), 2),
        kafka_record(envelope("accounts", "c", after=user(3, "u3@x.io"), lsn=3), 3),
    ]), 30, storage_root, "run-1")
    assert [r.kafka_offset for r in lake.sql(f"SELECT kafka_offset FROM {BRONZE}").collect()] == [1]
    dead = {r["offset"]: (r["error_class"], r["error"]) for r in _dlq_lines(result["dlq_files"])}
    assert dead == {2: ("UNKNOWN_TABLE", "source table users\\ is not in the pipeline catalog"),
                    3: ("UNKNOWN_TABLE", "source table accounts is not in the pipeline catalog")}


def _summary_offsets(lake):
    rows = lake.sql(f"SELECT summary['cdc.kafka-offsets'] AS o FROM {BRONZE}.snapshots ORDER BY committed_at").collect()
    return [json.loads(r.o) if r.o else None for r in rows]


def test_new_batches_append_and_each_commit_records_the_offsets_bronze_holds(lake, kafka_df, storage_root):
    ensure_bronze_table(lake)
    committed = CommittedOffsets(lake, BRONZE)
    ingest_batch(lake, batch(kafka_df, [1, 2, 3]), 0, storage_root, "run-1", BRONZE, committed)
    ingest_batch(lake, batch(kafka_df, [4, 5]), 1, storage_root, "run-1", BRONZE, committed)
    assert [r.kafka_offset for r in lake.sql(f"SELECT kafka_offset FROM {BRONZE} ORDER BY 1").collect()] == [1, 2, 3, 4, 5]
    assert _summary_offsets(lake)[-1] == {"cdc.db.users": {"0": 6}}


def test_a_batch_redone_by_a_new_run_or_a_restarted_checkpoint_does_not_duplicate_bronze(lake, kafka_df, storage_root):
    ensure_bronze_table(lake)
    ingest_batch(lake, batch(kafka_df, [1, 2, 3]), 0, storage_root, "run-1", BRONZE, CommittedOffsets(lake, BRONZE))
    # a new run (its offsets read from the summary) redoes the batch, then overlaps it, then starts over
    again = CommittedOffsets(lake, BRONZE)
    ingest_batch(lake, batch(kafka_df, [1, 2, 3]), 0, storage_root, "run-2", BRONZE, again)
    ingest_batch(lake, batch(kafka_df, [3, 4]), 1, storage_root, "run-2", BRONZE, again)
    ingest_batch(lake, batch(kafka_df, [1, 2, 5]), 0, storage_root, "run-3", BRONZE, CommittedOffsets(lake, BRONZE))
    assert [r.kafka_offset for r in lake.sql(f"SELECT kafka_offset FROM {BRONZE} ORDER BY 1").collect()] == [1, 2, 3, 4, 5]
    assert {r.operation for r in lake.sql(f"SELECT operation FROM {BRONZE}.snapshots").collect()} == {"append"}


def test_a_table_written_before_the_offsets_were_recorded_is_read_once_for_them(lake, kafka_df, storage_root):
    ensure_bronze_table(lake)
    ingest_batch(lake, batch(kafka_df, [1, 2, 3]), 0, storage_root, "run-1")  # no offsets in its summary
    ingest_batch(lake, batch(kafka_df, [2, 3, 4]), 1, storage_root, "run-2", BRONZE, CommittedOffsets(lake, BRONZE))
    assert [r.kafka_offset for r in lake.sql(f"SELECT kafka_offset FROM {BRONZE} ORDER BY 1").collect()] == [1, 2, 3, 4]
    assert _summary_offsets(lake)[-1] == {"cdc.db.users": {"0": 5}}
