import {catalog, sourceTables, topicFor} from '../catalog'
import {registerConnector} from '../connect/register'
import type {ChangeSummary} from '../envelope'
import {CdcError} from '../errors'
import {type JobName} from '../jobs/types'
import {waitForRun} from '../jobs/wait'
import {describeTopics, tailTopic} from '../kafka'
import {poll} from '../poll'
import {withPostgres} from '../postgres'
import type {Target} from '../targets/types'
import {type LakeReport, lakeReport} from './report'
import {type ChangeCounts, changeRound, seedRound} from './seed'

export interface DemoResult {
  tag: string
  changes: {round: string; counts: ChangeCounts}[]
  /** Debezium events the demo's changes produced, per topic and operation. */
  events: Record<string, Record<string, number>>
  samples: ChangeSummary[]
  jobs: {job: JobName; runId: string; state: string; durationSec: number | null}[]
  report: LakeReport & {historyOf: {table: string; key: string}}
}

export interface DemoOptions {
  onStep: (step: string) => void
  quiet: boolean
}

type Offsets = Record<string, Record<string, string>>

async function endOffsets(target: Target, topics: string[]): Promise<Offsets> {
  return Object.fromEntries((await describeTopics(target.kafkaBrokers())).filter((t) => topics.includes(t.topic)).map((t) => [t.topic, t.endOffsets]))
}

const total = (o: Offsets): number => Object.values(o).reduce((n, parts) => n + Object.values(parts).reduce((m, v) => m + Number(v), 0), 0)
const expectedEvents = (c: ChangeCounts): number => Object.values(c).reduce((n, t) => n + t.inserted + t.updated + 2 * t.deleted, 0)

/** Wait until Kafka holds the events a round of changes produced (a delete is an event and a tombstone). */
async function awaitEvents(target: Target, topics: string[], before: Offsets, expected: number): Promise<void> {
  await poll(async () => total(await endOffsets(target, topics)) - total(before), (n) => n >= expected, {
    timeoutMs: 60_000,
    intervalMs: 500,
    onTimeout: (n) => new CdcError(`Debezium delivered ${n} of the demo's ${expected} change events within 60s`, {code: 'DEMO_EVENTS_MISSING', actions: ['cdcctl connector status', 'cdcctl health']}),
  })
}

async function runJob(target: Target, job: JobName, onStep: (s: string) => void): Promise<DemoResult['jobs'][number]> {
  const runner = target.jobs()
  const started = await runner.start(job, {})
  const run = await waitForRun(runner, job, started.runId, 1800, (r) => onStep(`${job}: ${r.state} (${r.durationSec ?? 0}s)`))
  if (run.state !== 'SUCCEEDED') {
    throw new CdcError(`${job} ${run.state}: ${run.error ?? 'no error message'}`, {code: 'JOB_FAILED', actions: [`cdcctl job logs ${job} ${run.runId}`]})
  }
  return {job, runId: run.runId, state: run.state, durationSec: run.durationSec}
}

/** The orchestration's jobs, in its order (pipeline.yaml `orchestration`). */
const pipelineJobs = (): JobName[] => catalog().orchestration.tasks.filter((t) => t.command === 'job run').flatMap((t) => t.args ?? [])

/**
 * The whole pipeline on the local target: stack up, connector, a round of inserts, a round of
 * updates and deletes, the orchestration's jobs once over both, and then the gold tables and one
 * user's SCD2 history (every version, as the one run ordered them) read back from the lake.
 */
export async function runDemo(target: Target, options: DemoOptions): Promise<DemoResult> {
  const {onStep} = options
  await target.localStack().up([], onStep, options.quiet)
  onStep('registering the Debezium connector')
  await registerConnector(target, {onStep})
  const topics = target.profile.connect.tables.map(topicFor)
  const start = await endOffsets(target, topics)
  const db = await target.dbCredentials()
  const tag = Date.now().toString(36)
  const changes: DemoResult['changes'] = []

  onStep('round 1: inserts in Postgres')
  let before = await endOffsets(target, topics)
  const seeded = await withPostgres(db, (c) => seedRound(c, tag))
  changes.push({round: 'inserts', counts: seeded})
  await awaitEvents(target, topics, before, expectedEvents(seeded))

  onStep('round 2: updates and deletes in Postgres')
  before = await endOffsets(target, topics)
  const changed = await withPostgres(db, (c) => changeRound(c, tag))
  changes.push({round: 'updates and deletes', counts: changed.counts})
  await awaitEvents(target, topics, before, expectedEvents(changed.counts))
  const jobs: DemoResult['jobs'] = []
  for (const job of pipelineJobs()) jobs.push(await runJob(target, job, onStep))

  onStep('reading the change events back from Kafka')
  const events: DemoResult['events'] = {}
  const samples: ChangeSummary[] = []
  for (const topic of topics) {
    const fresh = (await tailTopic(target.kafkaBrokers(), topic, {fromBeginning: true, idleMs: 3000})).filter((e) => BigInt(e.offset) >= BigInt(start[topic]?.[String(e.partition)] ?? '0'))
    events[topic] = {}
    for (const e of fresh) events[topic][e.op] = (events[topic][e.op] ?? 0) + 1
    samples.push(...fresh.filter((e) => e.op === 'u').slice(0, 2), ...fresh.filter((e) => e.op === 'd').slice(0, 1))
  }

  onStep('reading gold and SCD2 history from the lake')
  const historyOf = {table: sourceTables()[0], key: changed.historyUserId}
  const report = await lakeReport(target.profile.storage.root, historyOf.table, historyOf.key)
  return {tag, changes, events, samples, jobs, report: {...report, historyOf}}
}
