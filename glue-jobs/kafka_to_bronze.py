"""Kafka (the catalog's topics) -> the bronze table, bad records -> {root}/dlq/bronze. Structured Streaming.

Arguments: pipeline.yaml (this script's job). Locally `cdcctl job run` passes them.
"""
import sys

from cdc_lake import catalog
from cdc_lake.bronze import ensure_bronze_table, ingest_batch
from cdc_lake.session import build_session, warehouse_for


def main(opts):
    root = opts["storage_root"].rstrip("/")
    run_id = opts["job_run_id"]
    spark = build_session("kafka_to_bronze", warehouse_for(root), opts["catalog"])
    bronze = ensure_bronze_table(spark)
    totals = {"batches": 0, "rows_read": 0, "rows_written": 0, "dlq_count": 0, "dlq_files": []}

    def process(batch_df, batch_id):
        result = ingest_batch(spark, batch_df, batch_id, root, run_id, bronze)
        totals["batches"] += 1
        for k in ("rows_read", "rows_written", "dlq_count", "dlq_files"):
            totals[k] += result[k]

    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", opts["bootstrap_servers"])
        .option("subscribe", ",".join(catalog.topic(t) for t in catalog.tables()))
        .option("startingOffsets", opts["starting_offsets"])
        .option("failOnDataLoss", "false")
        .option("includeHeaders", "true")
    )
    if opts["max_offsets_per_trigger"]:
        reader = reader.option("maxOffsetsPerTrigger", opts["max_offsets_per_trigger"])
    writer = (
        reader.load().writeStream.foreachBatch(process)
        # {root}/checkpoints/<job>: where `cdcctl status` reads what the stream committed
        .option("checkpointLocation", f"{root}/checkpoints/{catalog.job_for_script(__file__)}")
    )
    if opts["trigger"] == "once":
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=opts["trigger_interval"])
    query = writer.start()
    query.awaitTermination()
    if query.exception() is not None:
        raise RuntimeError(f"streaming query failed: {query.exception()}")
    return {"status": "succeeded", **totals}


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(__file__, main, sys.argv))
