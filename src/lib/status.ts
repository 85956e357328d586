import {catalog, goldTables, jobNames, silverTables, topics} from './catalog'
import {DlqStore} from './dlq/store'
import {dlqStats} from './dlq/stats'
import {listReports} from './dq'
import {firstLine} from './errors'
import {streamProgress, type TableMetadata} from './lake'
import {describeTopics, readTopic} from './kafka'
import {sleep} from './poll'
import type {CheckStatus, SlotStatus, Target} from './targets/types'
import {formatBytes} from './ui'

/** One line of the status screen. */
export interface StatusRow {
  area: 'connector' | 'dlq' | 'job' | 'quality' | 'source' | 'table' | 'topic'
  name: string
  status: CheckStatus
  detail: string
}

export interface TopicLag {
  topic: string
  /** Records in the topic (sum of partition end offsets). */
  endOffset: number
  /** Where the streaming bronze job's last committed batch read to; null before its first batch. */
  bronzeOffset: number | null
  lagRecords: number | null
}

export interface LastRun {
  job: string
  runId: string | null
  state: string | null
  startedAt: string | null
  ageSec: number | null
  durationSec: number | null
}

export interface TableFreshness {
  table: string
  layer: 'bronze' | 'gold' | 'silver'
  /** The last commit to the table. */
  committedAt: string | null
  /** Source time of the newest change silver holds (its newest _valid_from); null for bronze and gold. */
  dataAsOf: string | null
  ageSec: number | null
}

export interface PipelineStatus {
  /** fail when something is broken, warn when something needs a look, ok otherwise. */
  verdict: CheckStatus
  /** The first row that decided the verdict, or why everything is ok. */
  reason: string
  checkedAt: string
  source: (SlotStatus & {heartbeatAgeSec: number | null}) | null
  connector: {name: string; state: string; tasks: {id: number; state: string}[]} | null
  topics: TopicLag[]
  stream: {job: string; batch: number | null; committedAt: string | null; ageSec: number | null}
  jobs: LastRun[]
  tables: TableFreshness[]
  dataQuality: {runId: string; finishedAt: string; passed: boolean; failing: string[]} | null
  dlq: {pending: number; byErrorClass: Record<string, number>}
  rows: StatusRow[]
}

const CAUSE_ORDER: StatusRow['area'][] = ['connector', 'source', 'topic', 'job', 'quality', 'table', 'dlq']
const ageOf = (at: string | null, now: number): number | null => (at ? Math.max(0, Math.round((now - Date.parse(at)) / 1000)) : null)
const message = (error: unknown): string => firstLine(error instanceof Error ? error.message : String(error))
const human = (sec: number | null): string => (sec === null ? '-' : sec < 120 ? `${sec}s` : sec < 7200 ? `${Math.round(sec / 60)}m` : `${Math.round(sec / 3600)}h`)

/** The newest record of Debezium's heartbeat topic: how long ago the connector last confirmed it is reading WAL. */
async function heartbeatAge(target: Target, now: number): Promise<number | null> {
  const topic = `__debezium-heartbeat.${catalog().source.topic_prefix.split('.')[0]}`
  const info = (await describeTopics(target.kafkaBrokers(), {includeInternal: true})).find((t) => t.topic === topic)
  if (!info) return null
  const from = Object.fromEntries(Object.entries(info.endOffsets).filter(([, end]) => Number(end) > 0).map(([p, end]) => [p, String(Number(end) - 1)]))
  if (Object.keys(from).length === 0) return null
  const messages = await readTopic(target.kafkaBrokers(), topic, {from, limit: Object.keys(from).length, idleMs: 3000})
  const newest = Math.max(...messages.map((m) => Number((JSON.parse(m.value?.toString('utf8') ?? '{}') as {ts_ms?: number}).ts_ms ?? 0)))
  return newest > 0 ? Math.max(0, Math.round((now - newest) / 1000)) : null
}

/**
 * The whole pipeline on one screen: the source's slot and the connector, each topic against what the
 * streaming bronze job committed, each job's last run, every lake table's freshness, the last
 * data-quality result and the DLQ. Every part is read independently; one that cannot be read is a
 * failing row naming why, and the rest is still shown.
 */
export async function pipelineStatus(target: Target, now = Date.now()): Promise<PipelineStatus> {
  const {profile} = target
  const rows: StatusRow[] = []
  const row = (area: StatusRow['area'], name: string, status: CheckStatus, detail: string): void => void rows.push({area, name, status, detail})
  const store = target.store()
  const c = catalog()
  const streaming = jobNames().find((j) => c.jobs[j].kind === 'streaming') as string
  const freshWarn = profile.health.freshnessWarnSec

  const [slot, heartbeat, connector, kafka, stream, runs, tables, dq, dlq] = await Promise.allSettled([
    target.replicationSlot(),
    heartbeatAge(target, now),
    target.connect().status(profile.connect.connector),
    describeTopics(target.kafkaBrokers()),
    streamProgress(store, `checkpoints/${streaming}`),
    Promise.all(jobNames().map(async (job) => ({job, run: (await target.jobs().list(job, 1))[0]}))),
    Promise.all([[c.lake.bronze, 'bronze'], ...silverTables().map((t) => [t, 'silver']), ...goldTables().map((t) => [t, 'gold'])].map(async ([table, layer]) => ({table, layer, meta: await target.lakeTable(table)}))),
    listReports(store, 1),
    dlqStats(new DlqStore(store)),
  ])

  // source
  let source: PipelineStatus['source'] = null
  if (slot.status === 'fulfilled') {
    const s = slot.value
    const age = heartbeat.status === 'fulfilled' ? heartbeat.value : null
    source = {...s, heartbeatAgeSec: age}
    const lag = `lag ${formatBytes(s.lagBytes)}${s.lagSeconds === null ? '' : ` (${human(s.lagSeconds)})`}, WAL kept ${formatBytes(s.walRetainedBytes)}, heartbeat ${human(age)} ago`
    if (s.exists === false) row('source', `slot ${s.slot}`, 'fail', 'replication slot does not exist (cdcctl connector register)')
    else if (s.active === false) row('source', `slot ${s.slot}`, 'fail', `no consumer attached: WAL is retained (${lag})`)
    else if ((s.lagBytes ?? 0) > profile.health.slotLagWarnBytes || (age ?? 0) > 60) row('source', `slot ${s.slot}`, 'warn', lag)
    else row('source', `slot ${s.slot}`, 'ok', lag)
  } else {
    row('source', `slot ${profile.connect.slot}`, 'fail', message(slot.reason))
  }

  // connector
  let conn: PipelineStatus['connector'] = null
  if (connector.status === 'fulfilled' && connector.value) {
    const s = connector.value
    conn = {name: s.name, state: s.connector.state, tasks: s.tasks.map((t) => ({id: t.id, state: t.state}))}
    const running = s.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING')
    row('connector', s.name, running ? 'ok' : 'fail', `${s.connector.state}, tasks ${s.tasks.map((t) => `${t.id}=${t.state}`).join(' ') || 'none'}`)
  } else {
    row('connector', profile.connect.connector, 'fail', connector.status === 'fulfilled' ? 'not registered (cdcctl connector register)' : `Kafka Connect: ${message(connector.reason)}`)
  }

  // topics against the streaming job's checkpoint
  const progress = stream.status === 'fulfilled' ? stream.value : null
  const topicLags: TopicLag[] = []
  if (kafka.status === 'fulfilled') {
    for (const topic of topics()) {
      const info = kafka.value.find((t) => t.topic === topic)
      const end = info ? Object.values(info.endOffsets).reduce((n, o) => n + Number(o), 0) : 0
      const done = progress?.offsets[topic]
      const bronze = done ? Object.values(done).reduce((n, o) => n + Number(o), 0) : progress?.batch === null ? null : 0
      const lag = bronze === null ? null : Math.max(0, end - bronze)
      topicLags.push({topic, endOffset: end, bronzeOffset: bronze, lagRecords: lag})
      row('topic', topic, info ? 'ok' : 'fail', info ? `${end} records, bronze at ${bronze ?? '-'}, lag ${lag ?? '-'}` : 'missing (no change captured yet, or connector not registered)')
    }
  } else {
    row('topic', 'kafka', 'fail', message(kafka.reason))
  }
  const streamAge = ageOf(progress?.committedAt ?? null, now)
  if (stream.status === 'rejected') row('job', `${streaming} (stream)`, 'fail', message(stream.reason))

  // each job's last run
  const lastRuns: LastRun[] = []
  if (runs.status === 'fulfilled') {
    for (const {job, run} of runs.value) {
      lastRuns.push({job, runId: run?.runId ?? null, state: run?.state ?? null, startedAt: run?.startedAt ?? null, ageSec: ageOf(run?.startedAt ?? null, now), durationSec: run?.durationSec ?? null})
      const status: CheckStatus = !run ? 'warn' : ['FAILED', 'TIMEOUT'].includes(run.state) ? 'fail' : 'ok'
      const batch = job === streaming && progress?.batch !== null && progress ? `, last batch ${progress.batch} ${human(streamAge)} ago` : ''
      row('job', job, status, run ? `${run.state} ${human(ageOf(run.startedAt, now))} ago, ${run.durationSec ?? '-'}s${run.error ? `: ${run.error}` : ''}${batch}` : `never run${batch}`)
    }
  } else {
    row('job', 'jobs', 'fail', message(runs.reason))
  }

  // freshness of every lake table
  const freshness: TableFreshness[] = []
  if (tables.status === 'fulfilled') {
    for (const {table, layer, meta} of tables.value) {
      const f = tableFreshness(table, layer as TableFreshness['layer'], meta, now)
      freshness.push(f)
      const age = f.layer === 'silver' ? ageOf(f.dataAsOf, now) : f.ageSec
      const status: CheckStatus = meta === null ? 'warn' : age !== null && age > freshWarn ? 'warn' : 'ok'
      row('table', table, status, meta === null ? 'does not exist yet' : `${f.layer === 'silver' ? `data as of ${human(ageOf(f.dataAsOf, now))} ago, ` : ''}committed ${human(f.ageSec)} ago`)
    }
  } else {
    row('table', 'lake', 'fail', message(tables.reason))
  }

  // the last data-quality result
  let quality: PipelineStatus['dataQuality'] = null
  if (dq.status === 'fulfilled') {
    const last = dq.value[0]
    if (last) {
      quality = {runId: last.runId, finishedAt: last.finishedAt, passed: last.passed, failing: last.failing}
      row('quality', last.runId, last.passed ? 'ok' : 'fail', last.passed ? `passed ${human(ageOf(last.finishedAt, now))} ago` : `failed: ${last.failing.join(', ')}`)
    } else {
      row('quality', 'dq check', 'warn', 'never run')
    }
  } else {
    row('quality', 'dq check', 'fail', message(dq.reason))
  }

  // the dead-letter queue
  let dead: PipelineStatus['dlq'] = {pending: 0, byErrorClass: {}}
  if (dlq.status === 'fulfilled') {
    dead = {pending: dlq.value.total, byErrorClass: dlq.value.byErrorClass}
    row('dlq', 'pending', dead.pending > 0 ? 'warn' : 'ok', dead.pending > 0 ? Object.entries(dead.byErrorClass).map(([k, n]) => `${k} ${n}`).join(', ') : 'empty')
  } else {
    row('dlq', 'pending', 'fail', message(dlq.reason))
  }

  // The reason names the cause first: a stopped connector leaves its slot idle and bronze behind.
  const ranked = [...rows].sort((a, b) => CAUSE_ORDER.indexOf(a.area) - CAUSE_ORDER.indexOf(b.area))
  const decisive = ranked.find((r) => r.status === 'fail') ?? ranked.find((r) => r.status === 'warn')
  return {
    verdict: decisive?.status ?? 'ok',
    reason: decisive ? `${decisive.name}: ${decisive.detail}` : 'every stage is running and current',
    checkedAt: new Date(now).toISOString(),
    source,
    connector: conn,
    topics: topicLags,
    stream: {job: streaming, batch: progress?.batch ?? null, committedAt: progress?.committedAt ?? null, ageSec: streamAge},
    jobs: lastRuns,
    tables: freshness,
    dataQuality: quality,
    dlq: dead,
    rows,
  }
}

/** Refresh the status every `intervalMs` until the process is interrupted (`status --watch`). */
export async function watchPipelineStatus(target: Target, intervalMs: number, onStatus: (status: PipelineStatus) => void): Promise<never> {
  for (;;) {
    onStatus(await pipelineStatus(target))
    await sleep(intervalMs)
  }
}

/** Silver's newest change (source time) rides in its watermark (cdc_lake/watermark.py); bronze and gold have commit times. */
function tableFreshness(table: string, layer: TableFreshness['layer'], meta: TableMetadata | null, now: number): TableFreshness {
  const head = meta?.snapshots[0]
  const watermark = layer === 'silver' ? meta?.snapshots.find((s) => s.summary['cdc.watermark'])?.summary['cdc.watermark'] : undefined
  const asOf = watermark ? (JSON.parse(watermark) as {valid_from_max?: number}).valid_from_max : undefined
  return {table, layer, committedAt: head?.committedAt ?? null, dataAsOf: asOf ? new Date(asOf).toISOString() : null, ageSec: ageOf(head?.committedAt ?? null, now)}
}
