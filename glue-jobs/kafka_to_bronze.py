"""Kafka (the catalog's topics) -> the bronze table, bad records -> {root}/dlq/bronze. Structured Streaming.

Arguments: pipeline.yaml (this script's job). Locally `cdcctl job run` passes them.
"""
import sys

from cdc_lake import catalog
from cdc_lake.bronze import CommittedOffsets, ensure_bronze_table, ingest_batch
from cdc_lake.offsets import (
    OffsetGapError, check_offset_gaps, checkpoint_offsets, kafka_offsets, offset_gaps, uncommitted_batch,
)
from cdc_lake.session import build_session, warehouse_for

# The catalog argument that acknowledges an offset gap, in its option form for messages.
GAP_ARGUMENT = "acknowledge_offset_gap"
# How Spark 4.1.1's Kafka source fails the progress report of a batch re-run from the checkpoint.
KAFKA_METRICS_NPE = 'because the return value of "scala.Option.get()" is null'
# Each Spark task's read of its offset range waits one fetch.max.wait.ms (the consumer's 500 ms by
# default) before it ends, at the log's end or not: nine one-record ranges took 3.0 s, 1.5 s with
# 200 ms and 0.9 s with 10 ms. A task reads a bounded range, so it never waits for records to come.
FETCH_MAX_WAIT_MS = "10"


def main(opts):
    root = opts["storage_root"].rstrip("/")
    run_id = opts["job_run_id"]
    spark = build_session("kafka_to_bronze", warehouse_for(root), opts["catalog"])
    bronze = ensure_bronze_table(spark)
    topics = [catalog.topic(t) for t in catalog.tables()]
    checkpoint = f"{root}/checkpoints/{catalog.job_for_script(__file__)}"
    # Records the checkpoint needs that Kafka no longer holds stop the run, named, unless acknowledged.
    gaps = offset_gaps(checkpoint_offsets(spark, checkpoint), kafka_offsets(spark, opts["bootstrap_servers"], topics))
    skipped = check_offset_gaps(gaps, opts[GAP_ARGUMENT], GAP_ARGUMENT.replace("_", "-"))
    totals = {"batches": 0, "rows_read": 0, "rows_written": 0, "dlq_count": 0, "dlq_files": [],
              "skipped_offsets": skipped}

    committed = CommittedOffsets(spark, bronze)

    def process(batch_df, batch_id):
        result = ingest_batch(spark, batch_df, batch_id, root, run_id, bronze, committed)
        totals["batches"] += 1
        for k in ("rows_read", "rows_written", "dlq_count", "dlq_files"):
            totals[k] += result[k]

    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", opts["bootstrap_servers"])
        .option("subscribe", ",".join(topics))
        .option("startingOffsets", opts["starting_offsets"])
        # lost records fail the run; only the gaps this run acknowledged (checked above) are skipped
        .option("failOnDataLoss", "false" if skipped else "true")
        .option("includeHeaders", "true")
        .option("kafka.fetch.max.wait.ms", FETCH_MAX_WAIT_MS)
    )
    if opts["max_offsets_per_trigger"]:
        reader = reader.option("maxOffsetsPerTrigger", opts["max_offsets_per_trigger"])
    writer = (
        reader.load().writeStream.foreachBatch(process)
        # {root}/checkpoints/<job>: where `cdcctl status` reads what the stream committed
        .option("checkpointLocation", checkpoint)
    )
    if opts["trigger"] == "once":
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=opts["trigger_interval"])
    in_flight = uncommitted_batch(spark, checkpoint)
    try:
        await_query(writer.start())
    except Exception as exc:
        # Spark 4.1.1 (Glue 6.0's) re-runs a batch its last run left in flight and commits it, then
        # fails the batch's progress report with an NPE in KafkaMicroBatchStream.metrics
        # (SPARK-55271, fixed after 4.1.1). The batch is committed, so a new query goes on past it.
        if in_flight is None or KAFKA_METRICS_NPE not in str(exc) or uncommitted_batch(spark, checkpoint) is not None:
            raise
        print(f"batch {in_flight}, left in flight by the last run, is re-run and committed; going on past "
              "Spark's failed progress report for it (SPARK-55271)", file=sys.stderr)
        await_query(writer.start())
    return {"status": "succeeded", **totals}


def await_query(query):
    try:
        query.awaitTermination()
    except Exception as exc:
        if "failOnDataLoss" in str(exc) or "KAFKA_DATA_LOSS" in str(exc):
            raise OffsetGapError("Kafka lost records while the run read them (retention or a deleted topic); "
                                 "run the job again to have the gap named") from exc
        raise
    if query.exception() is not None:
        raise RuntimeError(f"streaming query failed: {query.exception()}")


if __name__ == "__main__":
    from cdc_lake.entry import run
    sys.exit(run(__file__, main, sys.argv))
