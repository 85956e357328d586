/**
 * The peer of Kafka -> bronze: Apache Iceberg's own Kafka Connect sink (runtime/bench/iceberg-sink,
 * the Iceberg version the jobs use) on a Connect worker of the bench's own (its own REST port, group
 * and storage topics; the stack's worker is not touched), writing the same topics and the same
 * records as bench/bronze_ingest.py times (the newest N of the catalog's topics) into one Iceberg table
 * of a throwaway Hadoop catalog. The rate counts the records of the first commit that holds 95 % of
 * them, from the connector's creation (the worker's start-up is left out, as the bronze figure leaves
 * the Spark session's out; the task's start and one commit interval are in).
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {catalog, topics as catalogTopics} from '../../src/lib/catalog'
import {ConnectClient} from '../../src/lib/connect/client'
import {withAdmin} from '../../src/lib/kafka'
import {kafkaClasspath} from '../../src/lib/local/jvm'
import {pidAlive, startDetached, stopPid} from '../../src/lib/local/process'
import {sleep} from '../../src/lib/poll'
import {type Ctx, load1, log, OUT, ROOT, type Sample} from './common'

const PLUGIN = join(ROOT, 'runtime', 'bench', 'iceberg-sink')
const SINK_PORT = Number(process.env.BENCH_SINK_CONNECT_PORT ?? 27183)

export const sinkAvailable = (): boolean => existsSync(join(PLUGIN, 'lib', '.stamp'))

/** The newest `records` of each partition, spread as the topics hold them: per partition its start offset. */
async function startOffsets(ctx: Ctx, records: number): Promise<{topic: string; partitions: {partition: number; offset: string}[]}[]> {
  return withAdmin(ctx.target.kafkaBrokers(), async (admin) => {
    const all = await Promise.all(catalogTopics().map(async (topic) => ({topic, offsets: await admin.fetchTopicOffsets(topic)})))
    const total = all.reduce((n, t) => n + t.offsets.reduce((m, o) => m + Number(o.high) - Number(o.low), 0), 0)
    const share = Math.min(1, records / Math.max(total, 1))
    return all.map(({topic, offsets}) => ({topic, partitions: offsets.map((o) => ({partition: o.partition, offset: String(Number(o.high) - Math.floor((Number(o.high) - Number(o.low)) * share))}))}))
  })
}

/** Snapshots of the sink's table from its Hadoop-catalog metadata files: [commit ms, total records]. */
function snapshots(warehouse: string): [number, number][] {
  const meta = join(warehouse, 'cdc', 'bench_sink_events', 'metadata')
  if (!existsSync(meta)) return []
  const files = readdirSync(meta).filter((f) => /^v\d+\.metadata\.json$/.test(f)).sort((a, b) => Number(a.slice(1).split('.')[0]) - Number(b.slice(1).split('.')[0]))
  if (files.length === 0) return []
  const m = JSON.parse(readFileSync(join(meta, files[files.length - 1]), 'utf8')) as {snapshots?: {'timestamp-ms': number; summary: Record<string, string>}[]}
  return (m.snapshots ?? []).map((s) => [s['timestamp-ms'], Number(s.summary['total-records'] ?? 0)])
}

export async function sinkRun(ctx: Ctx, records: number): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'cdcctl-bench-sink-'))
  const warehouse = join(dir, 'warehouse')
  const id = Date.now().toString(36)
  const props = join(dir, 'worker.properties')
  writeFileSync(props, [
    `bootstrap.servers=${ctx.target.kafkaBrokers().join(',')}`,
    `group.id=bench-sink-${id}`,
    `listeners=http://127.0.0.1:${SINK_PORT}`,
    'key.converter=org.apache.kafka.connect.storage.StringConverter',
    'value.converter=org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable=false',
    `config.storage.topic=_bench-sink-${id}-configs`,
    `offset.storage.topic=_bench-sink-${id}-offsets`,
    `status.storage.topic=_bench-sink-${id}-status`,
    'config.storage.replication.factor=1',
    'offset.storage.replication.factor=1',
    'status.storage.replication.factor=1',
    `plugin.path=${PLUGIN}`,
    'plugin.discovery=hybrid_warn',
    // The stack's worker settings (pipeline.yaml connect.worker): with Connect's 60 s offset flush,
    // every run's first commit came about 120 s after the connector's creation, both tasks idle in
    // poll from about 34 s on (jstack)
    ...Object.entries(catalog().connect.worker).map(([k, v]) => `${k}=${v}`),
  ].join('\n') + '\n')
  mkdirSync(OUT, {recursive: true})
  const pidFile = join(dir, 'pid')
  startDetached('java', ['-Xmx1g', `-Dlog4j2.configurationFile=${join(ctx.profile.stateDir, 'connect', 'log4j2.properties')}`, '-cp', kafkaClasspath(), 'org.apache.kafka.connect.cli.ConnectDistributed', props], {logFile: join(OUT, 'sink-worker.log'), pidFile})
  const pid = Number(readFileSync(pidFile, 'utf8'))
  const client = new ConnectClient(`http://127.0.0.1:${SINK_PORT}`, {retries: 0})
  const name = `bench-iceberg-sink-${id}`
  try {
    for (let i = 0; ; i++) {
      const plugins = await client.plugins().catch(() => [])
      if (plugins.some((p) => p.class.endsWith('IcebergSinkConnector'))) break
      if (i > 240) throw new Error('the bench Connect worker did not load the Iceberg sink plugin within 2 minutes (bench/out/sink-worker.log)')
      await sleep(500)
    }
    // the sink's consumer group starts at the same records the bronze bench reads
    const from = await startOffsets(ctx, records)
    const expected = await withAdmin(ctx.target.kafkaBrokers(), async (admin) => {
      // the control topic exists before the tasks' consumers subscribe to it
      await admin.createTopics({waitForLeaders: true, topics: [{topic: `bench-iceberg-control-${id}`, numPartitions: 1}]})
      let n = 0
      for (const t of from) {
        await admin.setOffsets({groupId: `connect-${name}`, topic: t.topic, partitions: t.partitions})
        const high = await admin.fetchTopicOffsets(t.topic)
        for (const p of t.partitions) n += Number(high.find((h) => h.partition === p.partition)?.high ?? 0) - Number(p.offset)
      }
      return n
    })
    await client.put(name, {
      'connector.class': 'org.apache.iceberg.connect.IcebergSinkConnector',
      'tasks.max': '2',
      topics: catalogTopics().join(','),
      'iceberg.tables': 'cdc.bench_sink_events',
      'iceberg.tables.auto-create-enabled': 'true',
      'iceberg.catalog.type': 'hadoop',
      'iceberg.catalog.warehouse': `file://${warehouse}`,
      'iceberg.control.topic': `bench-iceberg-control-${id}`,
      'iceberg.control.commit.interval-ms': '5000',
      'consumer.override.auto.offset.reset': 'earliest',
      'consumer.override.max.poll.records': '5000',
    })
    const t0 = Date.now()
    let snaps: [number, number][] = []
    // tombstones are not rows: done at the first commit holding 95 % of the records
    for (;;) {
      await sleep(500)
      snaps = snapshots(warehouse)
      if ((snaps[snaps.length - 1]?.[1] ?? 0) >= expected * 0.95 || Date.now() - t0 > 900_000) break
      const status = await client.status(name)
      const failed = status?.tasks.find((t) => t.state === 'FAILED')
      if (failed) throw new Error(`the Iceberg sink task failed: ${(failed.trace ?? '').split('\n')[0]}`)
    }
    const load = load1()
    // Rows committed over time from the connector's creation to the first commit holding 95 % of the
    // records (the task's start and up to one commit interval included, as bronze's figure includes
    // its query's start in a warm session). A rate between the first and the last snapshot left out
    // the first commit's rows: a commit waits for every partition's task to answer (or
    // iceberg.control.commit.timeout-ms, 30 s), so the commits come at uneven times.
    const done = snaps.find((s) => s[1] >= expected * 0.95)
    if (!done) throw new Error(`the Iceberg sink committed ${snaps[snaps.length - 1]?.[1] ?? 0} of ${expected} records in ${Math.round((Date.now() - t0) / 1000)}s`)
    const sec = (done[0] - t0) / 1000
    log(`iceberg sink: ${done[1]} rows of ${expected} records ${sec.toFixed(1)}s after the connector was created (snapshot ${snaps.indexOf(done) + 1} of ${snaps.length})`)
    return {value: done[1] / sec, load1: load, note: `${done[1]} rows in ${sec.toFixed(1)}s from the connector's creation to commit ${snaps.indexOf(done) + 1} of ${snaps.length}`}
  } finally {
    await client.delete(name).catch(() => undefined)
    if (pidAlive(pid)) await stopPid(pid)
    rmSync(dir, {recursive: true, force: true})
  }
}
