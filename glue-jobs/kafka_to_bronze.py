"""Kafka (cdc.db.*) -> bronze_cdc_events, bad records -> {root}/dlq/bronze. Structured Streaming.

Local: python glue-jobs/kafka_to_bronze.py --storage-root file:///abs/root --bootstrap-servers localhost:9092
"""
import json
import sys
import uuid

from cdc_lake import args as job_args
from cdc_lake.bronze import ensure_bronze_table, ingest_batch
from cdc_lake.session import build_session, warehouse_for

REQUIRED = ["storage-root", "bootstrap-servers"]
OPTIONAL = {
    "catalog": "local",
    "job-run-id": None,
    "trigger": "once",
    "trigger-interval": "30 seconds",
    "topic-pattern": r"cdc\.db\..*",
    "starting-offsets": "earliest",
    "max-offsets-per-trigger": None,
}


def main(argv):
    opts = job_args.parse(argv, REQUIRED, OPTIONAL)
    if opts["trigger"] not in ("once", "continuous"):
        print(json.dumps({"error": f"--trigger must be once or continuous, got {opts['trigger']!r}"}))
        return 2
    root = opts["storage_root"].rstrip("/")
    run_id = opts["job_run_id"] or opts.get("JOB_RUN_ID") or f"local-{uuid.uuid4().hex[:12]}"
    spark = build_session("kafka_to_bronze", warehouse_for(root), opts["catalog"])
    bronze = ensure_bronze_table(spark)
    totals = {"job": "kafka_to_bronze", "job_run_id": run_id, "batches": 0, "rows_read": 0,
              "rows_written": 0, "dlq_count": 0, "dlq_files": []}

    def process(batch_df, batch_id):
        result = ingest_batch(spark, batch_df, batch_id, root, run_id, bronze)
        totals["batches"] += 1
        for k in ("rows_read", "rows_written", "dlq_count", "dlq_files"):
            totals[k] += result[k]

    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", opts["bootstrap_servers"])
        .option("subscribePattern", opts["topic_pattern"])
        .option("startingOffsets", opts["starting_offsets"])
        .option("failOnDataLoss", "false")
        .option("includeHeaders", "true")
    )
    if opts["max_offsets_per_trigger"]:
        reader = reader.option("maxOffsetsPerTrigger", opts["max_offsets_per_trigger"])
    writer = (
        reader.load().writeStream.foreachBatch(process)
        .option("checkpointLocation", f"{root}/checkpoints/kafka_to_bronze")
    )
    if opts["trigger"] == "once":
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=opts["trigger_interval"])
    query = writer.start()
    query.awaitTermination()
    if query.exception() is not None:
        raise RuntimeError(f"streaming query failed: {query.exception()}")
    totals["status"] = "succeeded"
    print(json.dumps(totals), flush=True)
    return 0


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(main, sys.argv))
