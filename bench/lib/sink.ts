/**
 * The peer of Kafka -> bronze: Apache Iceberg's own Kafka Connect sink (runtime/bench/iceberg-sink,
 * the Iceberg version the jobs use) on a Connect worker of the bench's own (its own REST port, group
 * and storage topics; the stack's worker is not touched), writing the same topics and the same
 * records as bench/bronze_ingest.py times (the newest N of the catalog's topics) into one Iceberg table
 * of a throwaway Hadoop catalog. The rate counts records committed to the table between its first
 * and its last snapshot (steady state: the worker's and the task's start-up are left out, as the
 * bronze figure leaves the Spark session's out).
 */
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {topics as catalogTopics} from '../../src/lib/catalog'
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
    // tombstones are not rows: done when the rows stop growing near the expected count
    for (let stable = 0; ; ) {
      await sleep(1000)
      const now = snapshots(warehouse)
      const last = now[now.length - 1]?.[1] ?? 0
      stable = now.length === snaps.length && last > 0 ? stable + 1 : 0
      snaps = now
      if ((last >= expected * 0.95 && stable >= 12) || Date.now() - t0 > 900_000) break
      const status = await client.status(name)
      const failed = status?.tasks.find((t) => t.state === 'FAILED')
      if (failed) throw new Error(`the Iceberg sink task failed: ${(failed.trace ?? '').split('\n')[0]}`)
    }
    const load = load1()
    const withRows = snaps.filter((s) => s[1] > 0)
    if (withRows.length < 2) throw new Error(`the Iceberg sink committed ${withRows.length} snapshot(s) in ${Math.round((Date.now() - t0) / 1000)}s`)
    const [first, last] = [withRows[0], withRows[withRows.length - 1]]
    const rate = (last[1] - first[1]) / ((last[0] - first[0]) / 1000)
    log(`iceberg sink: ${last[1]} rows of ${expected} records, ${withRows.length} snapshots, first ${((first[0] - t0) / 1000).toFixed(1)}s after the connector was created`)
    return {value: rate, load1: load, note: `${last[1] - first[1]} rows between its first and last of ${withRows.length} commits (${((last[0] - first[0]) / 1000).toFixed(1)}s); first commit ${((first[0] - t0) / 1000).toFixed(1)}s after creation`}
  } finally {
    await client.delete(name).catch(() => undefined)
    if (pidAlive(pid)) await stopPid(pid)
    rmSync(dir, {recursive: true, force: true})
  }
}
