import {createHash, randomBytes} from 'node:crypto'
import {createReadStream, existsSync} from 'node:fs'
import {basename} from 'node:path'
import {createInterface} from 'node:readline'

import {CdcError, usageError} from '../errors'
import {kafkaClient, readTopic, unreachable, withAdmin} from '../kafka'
import {sleep} from '../poll'
import {type DlqFilter, type DlqRecord, decode, matches, origin, originId} from './record'
import type {DlqStore, Located} from './store'

export const HEADERS = {
  originTopic: 'cdc.origin.topic',
  originPartition: 'cdc.origin.partition',
  originOffset: 'cdc.origin.offset',
  replayRun: 'cdc.replay.run',
  replayCount: 'cdc.replay.count',
}

export interface ReplayOptions {
  filter: DlqFilter
  /** A JSONL file (from `dlq export`, possibly corrected by hand) to replay instead of the DLQ. */
  fromFile?: string
  toTopic?: string
  limit?: number
  /** Records per second; unlimited when absent. */
  rate?: number
  maxAttempts: number
  force: boolean
  dryRun: boolean
  batchSize?: number
  onProgress?: (p: ReplayProgress) => void
}

export interface ReplayProgress {
  sent: number
  total: number
  perSecond: number
  etaSec: number | null
}

export interface ReplayResult {
  runId: string
  dryRun: boolean
  selected: number
  sent: number
  skippedExhausted: number
  /** Records a killed earlier run had sent but not yet recorded, found in Kafka and recorded now. */
  recovered: number
  archivedFiles: string[]
  /** With --dry-run: what would be sent (first 20). */
  preview: {topic: string; key: string | null; error_class: string; origin: string; replayCount: number}[]
}

interface Intent {
  run: string
  seq: number
  items: {file: string; line: number; id: string}[]
  start: Record<string, Record<string, string>>
}

type Item = Located & {topic: string}

const targetTopic = (r: DlqRecord, toTopic?: string): string => toTopic ?? origin(r).topic

/** Records to replay: the DLQ's active ones, or a corrected export file, in file and line order. */
async function* source(dlq: DlqStore, options: ReplayOptions): AsyncIterable<Located> {
  if (!options.fromFile) {
    yield* dlq.records(options.filter)
    return
  }
  if (!existsSync(options.fromFile)) throw usageError(`--from-file ${options.fromFile} does not exist`)
  // Records without their DLQ position (written by hand) are ledgered under the file's own name.
  const pseudo = `from-file/${basename(options.fromFile)}-${await sha256File(options.fromFile)}`
  let line = 0
  for await (const text of createInterface({input: createReadStream(options.fromFile), crlfDelay: Infinity})) {
    const n = line++
    if (text.trim() === '') continue
    let record: DlqRecord
    try {
      record = JSON.parse(text) as DlqRecord
    } catch {
      throw usageError(`${options.fromFile} line ${n + 1} is not JSON`, ['fix that line, or remove it'])
    }
    if (!record.topic && !record.origin_topic) throw usageError(`${options.fromFile} line ${n + 1} has no topic`, ['keep the fields dlq export wrote'])
    if (!matches(record, options.filter)) continue
    const file = record.dlq_file ?? pseudo
    const fileLine = record.dlq_line ?? n
    yield {file, line: fileLine, bytes: Buffer.byteLength(text), record}
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const c of createReadStream(path)) h.update(c)
  return h.digest('hex').slice(0, 12)
}

async function* selection(dlq: DlqStore, options: ReplayOptions, skipped: {n: number}): AsyncIterable<Item> {
  let taken = 0
  for await (const located of source(dlq, options)) {
    if (options.limit !== undefined && taken >= options.limit) return
    if (!options.force && (located.record.replay_count ?? 0) >= options.maxAttempts) {
      skipped.n++
      continue
    }
    taken++
    yield {...located, topic: targetTopic(located.record, options.toTopic)}
  }
}

/**
 * An earlier run killed between Kafka's acknowledgement and the ledger write left its intent behind:
 * the records it names that Kafka holds (found by their replay-run header) are recorded now, so they
 * are never sent twice; the rest stay in the DLQ and go out with this run.
 */
async function recover(dlq: DlqStore, brokers: string[]): Promise<number> {
  let recovered = 0
  for await (const {key, body} of dlq.intents()) {
    const intent = JSON.parse(body) as Intent
    const found = new Set<string>()
    for (const [topic, from] of Object.entries(intent.start)) {
      const messages = await readTopic(brokers, topic, {from, idleMs: 3000})
      for (const m of messages) {
        if (m.headers[HEADERS.replayRun] === intent.run) found.add(`${m.headers[HEADERS.originTopic]}:${m.headers[HEADERS.originPartition]}:${m.headers[HEADERS.originOffset]}`)
      }
    }
    const byFile = new Map<string, number[]>()
    for (const item of intent.items.filter((i) => found.has(i.id))) byFile.set(item.file, [...(byFile.get(item.file) ?? []), item.line])
    for (const [file, lines] of byFile) await dlq.markReplayed(intent.run, intent.seq, file, lines)
    recovered += [...byFile.values()].reduce((n, l) => n + l.length, 0)
    await dlq.deleteObject(key)
  }
  return recovered
}

export async function replay(dlq: DlqStore, brokers: string[], options: ReplayOptions): Promise<ReplayResult> {
  const runId = `replay-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`
  const result: ReplayResult = {runId, dryRun: options.dryRun, selected: 0, sent: 0, skippedExhausted: 0, recovered: 0, archivedFiles: [], preview: []}
  const skipped = {n: 0}

  if (options.dryRun) {
    for await (const item of selection(dlq, options, skipped)) {
      result.selected++
      if (result.preview.length < 20) result.preview.push({topic: item.topic, key: item.record.key, error_class: item.record.error_class, origin: originId(item.record), replayCount: (item.record.replay_count ?? 0) + 1})
    }
    result.skippedExhausted = skipped.n
    return result
  }

  result.recovered = await recover(dlq, brokers)
  // A counting pass first, so progress can show an ETA; both passes stream.
  for await (const _item of selection(dlq, options, {n: 0})) result.selected++

  const producer = (await kafkaClient(brokers, 'cdcctl-dlq-replay')).producer({idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false})
  try {
    await producer.connect()
  } catch (error) {
    throw unreachable(brokers, error)
  }
  const touched = new Set<string>()
  const started = Date.now()
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 1000, options.rate ?? Number.POSITIVE_INFINITY))
  let seq = 0
  let batch: Item[] = []

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    const topics = [...new Set(batch.map((i) => i.topic))]
    const start = await withAdmin(brokers, async (admin) => {
      const out: Intent['start'] = {}
      for (const t of topics) out[t] = Object.fromEntries((await admin.fetchTopicOffsets(t)).map((o) => [String(o.partition), o.high]))
      return out
    })
    const intentKey = await dlq.writeIntent(runId, seq, {run: runId, seq, items: batch.map((i) => ({file: i.file, line: i.line, id: originId(i.record)})), start} satisfies Intent)
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: topics.map((topic) => ({
          topic,
          messages: batch.filter((i) => i.topic === topic).map((i) => {
            const o = origin(i.record)
            return {
              key: decode(i.record.key, i.record.key_encoding),
              value: decode(i.record.value, i.record.encoding),
              headers: {
                [HEADERS.originTopic]: o.topic,
                [HEADERS.originPartition]: String(o.partition),
                [HEADERS.originOffset]: String(o.offset),
                [HEADERS.replayRun]: runId,
                [HEADERS.replayCount]: String((i.record.replay_count ?? 0) + 1),
              },
            }
          }),
        })),
      })
    } catch (error) {
      throw new CdcError(`Kafka did not acknowledge a replay batch (nothing in it is marked replayed; run the replay again): ${(error as Error).message}`, {code: 'REPLAY_SEND_FAILED', actions: ['cdcctl health', 'cdcctl dlq replay (resumes where this run stopped)']})
    }
    const byFile = new Map<string, number[]>()
    for (const i of batch) byFile.set(i.file, [...(byFile.get(i.file) ?? []), i.line])
    for (const [file, lines] of byFile) {
      await dlq.markReplayed(runId, seq, file, lines)
      touched.add(file)
    }
    await dlq.deleteObject(intentKey)
    result.sent += batch.length
    seq++
    batch = []
    const elapsed = (Date.now() - started) / 1000
    if (options.rate) {
      const ahead = result.sent / options.rate - elapsed
      if (ahead > 0) await sleep(ahead * 1000)
    }
    const perSecond = result.sent / Math.max((Date.now() - started) / 1000, 0.001)
    options.onProgress?.({sent: result.sent, total: result.selected, perSecond, etaSec: perSecond > 0 ? Math.round((result.selected - result.sent) / perSecond) : null})
  }

  try {
    for await (const item of selection(dlq, options, skipped)) {
      batch.push(item)
      if (batch.length >= batchSize) await flush()
    }
    await flush()
  } finally {
    await producer.disconnect().catch(() => undefined)
  }
  result.skippedExhausted = skipped.n
  for (const file of touched) if (!file.startsWith('from-file/') && (await dlq.archiveIfDone(file))) result.archivedFiles.push(file)
  await dlq.writeRunSummary(runId, {...result, finishedAt: new Date().toISOString(), options: {...options, onProgress: undefined}})
  return result
}
