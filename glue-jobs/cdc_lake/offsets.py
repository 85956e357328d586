"""Kafka offset gaps: records the bronze job's checkpoint still needs that Kafka no longer holds.

Spark's Kafka source with failOnDataLoss=false skips such records with a warning in a log; with true
it fails with a message that names Spark's option, not the range. So the job looks first: the
offsets its next micro-batch starts from (the last committed batch's end offsets in the checkpoint)
against each partition's earliest and latest offsets. A gap stops the run with one line naming the
topic, partition and offset range, unless the run acknowledges exactly that range.
"""
import json


class OffsetGapError(RuntimeError):
    """Records the checkpoint needs are gone from Kafka (retention, a deleted or recreated topic)."""


def _hadoop_file(spark, path):
    jvm = spark._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return hpath, hpath.getFileSystem(spark._jsc.hadoopConfiguration())


def _batch_ids(spark, checkpoint, log):
    """The batch ids in the checkpoint's offsets or commits log, ascending."""
    path, fs = _hadoop_file(spark, f"{checkpoint}/{log}")
    if not fs.exists(path):
        return []
    return sorted(int(s.getPath().getName()) for s in fs.listStatus(path) if s.getPath().getName().isdigit())


def uncommitted_batch(spark, checkpoint):
    """The batch the checkpoint planned and never committed (its run ended mid-batch), or None."""
    planned, done = _batch_ids(spark, checkpoint, "offsets"), _batch_ids(spark, checkpoint, "commits")
    return planned[-1] if planned and (not done or planned[-1] > done[-1]) else None


def checkpoint_offsets(spark, checkpoint):
    """{topic: {partition: offset}} the next micro-batch starts from; None before the first commit."""
    done = _batch_ids(spark, checkpoint, "commits")
    if not done:
        return None
    path, fs = _hadoop_file(spark, f"{checkpoint}/offsets/{done[-1]}")
    stream = fs.open(path)
    try:
        text = spark._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()
    # v1, the batch's metadata, then one line per source: {"topic": {"partition": offset}}
    offsets = {}
    for line in text.splitlines()[2:]:
        if line.strip().startswith("{"):
            for topic, parts in json.loads(line).items():
                offsets.setdefault(topic, {}).update({str(p): int(o) for p, o in parts.items()})
    return offsets


def kafka_offsets(spark, brokers, topics):
    """{topic: {partition: (earliest, latest)}} from the brokers, with the Kafka client Spark's source uses."""
    jvm = spark._jvm
    props = jvm.java.util.Properties()
    props.setProperty("bootstrap.servers", brokers)
    deserializer = "org.apache.kafka.common.serialization.ByteArrayDeserializer"
    props.setProperty("key.deserializer", deserializer)
    props.setProperty("value.deserializer", deserializer)
    props.setProperty("default.api.timeout.ms", "30000")
    consumer = jvm.org.apache.kafka.clients.consumer.KafkaConsumer(props)
    try:
        out = {}
        for topic in topics:
            partitions = jvm.java.util.ArrayList()
            for info in consumer.partitionsFor(topic) or []:
                partitions.add(jvm.org.apache.kafka.common.TopicPartition(topic, info.partition()))
            first, last = consumer.beginningOffsets(partitions), consumer.endOffsets(partitions)
            out[topic] = {str(tp.partition()): (int(first.get(tp)), int(last.get(tp))) for tp in partitions}
        return out
    finally:
        consumer.close()


def offset_gaps(needed, available):
    """[(topic, partition, first missing, last missing or None)] for each partition whose records from
    `needed` on are gone: below the earliest offset, or a partition that is gone or restarted lower."""
    gaps = []
    for topic, parts in sorted((needed or {}).items()):
        for partition, offset in sorted(parts.items(), key=lambda kv: int(kv[0])):
            earliest, latest = available.get(topic, {}).get(partition, (None, None))
            if earliest is None or latest < offset:
                gaps.append((topic, int(partition), offset, None))
            elif earliest > offset:
                gaps.append((topic, int(partition), offset, earliest - 1))
    return gaps


def gap_text(gap):
    topic, partition, first, last = gap
    return f"{topic}:{partition}:{first}-{'' if last is None else last}"


def acknowledged(text):
    """The ranges an argument value acknowledges (gap_text forms, comma-separated)."""
    return {part.strip() for part in (text or "").split(",") if part.strip()}


def check_offset_gaps(gaps, acknowledged_text, argument):
    """Raise OffsetGapError naming every gap the run did not acknowledge; returns the acknowledged ones."""
    ok = acknowledged(acknowledged_text)
    missing = [g for g in gaps if gap_text(g) not in ok]
    if missing:
        described = "; ".join(
            f"{t} partition {p} offsets {first}-{'' if last is None else last} "
            + ("(the partition is gone or restarted below them)" if last is None else "(retention deleted them)")
            for t, p, first, last in missing)
        raise OffsetGapError(
            f"Kafka offset gap: records the bronze checkpoint needs are no longer in Kafka: {described}. Nothing "
            f"was read. If they are lost for good, acknowledge exactly them: --arg {argument}="
            + ",".join(gap_text(g) for g in gaps))
    return [gap_text(g) for g in gaps]
