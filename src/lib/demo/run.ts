import {ensureRuntime} from '../bootstrap'
import {topicFor} from '../connect/debezium'
import {registerConnector} from '../connect/register'
import type {ChangeSummary} from '../envelope'
import {describeTopics, tailTopic} from '../kafka'
import {up} from '../local/stack'
import {withPostgres} from '../postgres'
import type {Target} from '../targets/types'
import {type ChangeCounts, changeRound, seedRound} from './seed'

export interface DemoResult {
  tag: string
  changes: {round: string; counts: ChangeCounts}[]
  /** Debezium events the demo's changes produced, per topic and operation. */
  events: Record<string, Record<string, number>>
  samples: ChangeSummary[]
}

export interface DemoOptions {
  onStep: (step: string) => void
  quiet: boolean
}

/** Stack up, connector registered, inserts/updates/deletes in Postgres, and their events read back from Kafka. */
export async function runDemo(target: Target, options: DemoOptions): Promise<DemoResult> {
  const {onStep} = options
  if (target.name === 'local') {
    onStep('bootstrapping the local runtime')
    ensureRuntime({quiet: options.quiet})
    await up(target.profile, [], onStep)
  }
  onStep('registering the Debezium connector')
  await registerConnector(target, {onStep})
  const topics = target.profile.connect.tables.map(topicFor)
  const start = Object.fromEntries((await describeTopics(target.kafkaBrokers())).filter((t) => topics.includes(t.topic)).map((t) => [t.topic, t.endOffsets]))

  const tag = Date.now().toString(36)
  onStep('making inserts in Postgres')
  const changes: DemoResult['changes'] = []
  const db = await target.dbCredentials()
  changes.push({round: 'inserts', counts: await withPostgres(db, (c) => seedRound(c, tag))})
  onStep('making updates and deletes in Postgres')
  changes.push({round: 'updates and deletes', counts: await withPostgres(db, (c) => changeRound(c, tag))})

  onStep('reading the change events back from Kafka')
  const expected = changes.reduce((n, r) => n + Object.values(r.counts).reduce((m, c) => m + c.inserted + c.updated + c.deleted * 2, 0), 0)
  const events: DemoResult['events'] = {}
  const samples: ChangeSummary[] = []
  for (const topic of topics) {
    const fresh = (await tailTopic(target.kafkaBrokers(), topic, {fromBeginning: true, idleMs: 5000})).filter((e) => BigInt(e.offset) >= BigInt(start[topic]?.[String(e.partition)] ?? '0'))
    events[topic] = {}
    for (const e of fresh) events[topic][e.op] = (events[topic][e.op] ?? 0) + 1
    samples.push(...fresh.filter((e) => e.op === 'u').slice(0, 2), ...fresh.filter((e) => e.op === 'd').slice(0, 1))
  }
  const seen = Object.values(events).reduce((n, ops) => n + Object.values(ops).reduce((a, b) => a + b, 0), 0)
  onStep(`read ${seen} events for ${expected} expected`)
  return {tag, changes, events, samples}
}
