"""Freshness of the probe commits in a bronze table: for each bronze row of the probe key, the time
its Iceberg snapshot was committed (when the row became visible to readers) minus its source commit
time (Debezium's source.ts_ms: the Postgres commit). Prints one JSON list of seconds.

    .venv/bin/python bench/freshness_read.py STORAGE_ROOT TOPIC KEY_JSON
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "glue-jobs"))
from cdc_lake.bronze import BRONZE_TABLE  # noqa: E402
from cdc_lake.session import build_session, table_name, warehouse_for  # noqa: E402

root, topic, key = sys.argv[1:4]
spark = build_session("bench_freshness", warehouse_for(root), "local", log_level="ERROR")
bronze = table_name(BRONZE_TABLE)
spark.createDataFrame([(topic, key)], "t string, k string").createOrReplaceTempView("probe")
rows = spark.sql(f"""
    WITH rows AS (SELECT b.source_ts_ms, b._file FROM {bronze} b JOIN probe p ON b.kafka_topic = p.t AND b.key = p.k),
         added AS (SELECT data_file.file_path AS file, snapshot_id FROM {bronze}.entries),
         snaps AS (SELECT snapshot_id, unix_millis(committed_at) AS committed_ms FROM {bronze}.snapshots)
    SELECT (s.committed_ms - r.source_ts_ms) / 1000.0 AS lag
    FROM rows r JOIN added a ON a.file = r._file JOIN snaps s ON s.snapshot_id = a.snapshot_id
""").collect()
print(json.dumps(sorted(float(r.lag) for r in rows)), flush=True)
spark.stop()
