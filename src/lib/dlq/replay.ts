import {createHash, randomBytes} from 'node:crypto'
import {createReadStream, existsSync} from 'node:fs'
import {basename, resolve} from 'node:path'
import {createInterface} from 'node:readline'

import {CdcError, firstLine, usageError} from '../errors'
import {kafkaClient, unreachable} from '../kafka'
import {readRange} from '../kafka-range'
import {sleep} from '../poll'
import {checkKey} from '../storage'
import {type DlqFilter, type DlqRecord, decode, matches, origin, originId} from './record'
import {ACTIVE_PREFIX, type DlqStore, type Ledger, type Located, type Warn} from './store'

/**
 * Records per acknowledged batch: each batch costs an intent, a send and a ledger chunk per DLQ file
 * (each object written and fsynced), so bigger batches amortise them; 5,000 records of a DLQ line's
 * size stay a few MiB in memory (bench/RESULTS.md, "DLQ replay").
 */
export const REPLAY_BATCH = 5000

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
  /** What is skipped and why (already replayed, unreadable ledger, quarantined intent). */
  onWarn?: Warn
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
  /** Records of --from-file that an earlier run already replayed (each correction is sent once). */
  alreadyReplayed: number
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

/** dlq_file of a corrected record: an active DLQ file's key, nothing else (it decides what is archived and deleted). */
function claimedFile(record: DlqRecord, where: string): {file: string; line: number} {
  const file = record.dlq_file
  const line = record.dlq_line
  if (typeof file !== 'string' || !file.startsWith(ACTIVE_PREFIX) || !file.endsWith('.jsonl')) {
    throw usageError(`${where}: dlq_file ${JSON.stringify(file)} is not a DLQ file (${ACTIVE_PREFIX}…/*.jsonl)`, ['keep the dlq_file and dlq_line dlq export wrote, or remove both'])
  }
  try {
    checkKey(file)
  } catch {
    throw usageError(`${where}: dlq_file ${JSON.stringify(file)} is not a key below the storage root`, ['keep the dlq_file and dlq_line dlq export wrote, or remove both'])
  }
  if (!Number.isInteger(line) || (line as number) < 0) throw usageError(`${where}: dlq_line ${JSON.stringify(line)} is not a line number`, ['keep the dlq_file and dlq_line dlq export wrote, or remove both'])
  return {file, line: line as number}
}

/**
 * Records to replay: the DLQ's active ones, or a corrected export file, in file and line order. A
 * corrected record is replayed once per (file, line, origin): one whose line the ledger holds is
 * counted in `already` and skipped. One that names its DLQ position must name an active DLQ file
 * whose record at that line has the same origin.
 */
async function* source(dlq: DlqStore, options: ReplayOptions, already: {n: number}): AsyncIterable<Located> {
  if (!options.fromFile) {
    yield* dlq.records(options.filter)
    return
  }
  if (!existsSync(options.fromFile)) throw usageError(`--from-file ${options.fromFile} does not exist`)
  // Records without their DLQ position (written by hand) are ledgered under the file's own path.
  const pseudo = `from-file/${basename(options.fromFile)}-${createHash('sha256').update(resolve(options.fromFile)).digest('hex').slice(0, 12)}`
  const ledgers = new Map<string, Ledger | null>()
  const origins = new Map<string, Map<number, string>>()
  const seen = new Set<string>()
  const ledgerOf = async (file: string): Promise<Ledger | null> => {
    if (!ledgers.has(file)) {
      ledgers.set(file, await dlq.ledger(file).catch((error: unknown) => {
        if (!(error instanceof CdcError && error.code === 'LEDGER_UNREADABLE')) throw error
        options.onWarn?.(`${error.message}: its corrected records are skipped until the chunk is repaired`)
        return null
      }))
    }
    return ledgers.get(file) as Ledger | null
  }
  let line = 0
  for await (const text of createInterface({input: createReadStream(options.fromFile), crlfDelay: Infinity})) {
    const n = line++
    if (text.trim() === '') continue
    const where = `${options.fromFile} line ${n + 1}`
    let record: DlqRecord
    try {
      record = JSON.parse(text) as DlqRecord
    } catch (error) {
      throw usageError(`${where} is not JSON (${firstLine((error as Error).message)})`, ['fix that line, or remove it'])
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw usageError(`${where} is not a JSON object`, ['keep the fields dlq export wrote'])
    if (!record.topic && !record.origin_topic) throw usageError(`${where} has no topic`, ['keep the fields dlq export wrote'])
    if (!matches(record, options.filter)) continue
    const claimed = record.dlq_file !== undefined || record.dlq_line !== undefined
    const {file, line: fileLine} = claimed ? claimedFile(record, where) : {file: pseudo, line: n}
    const id = originId(record)
    if (seen.has(`${file}#${fileLine}`)) {
      options.onWarn?.(`${where} repeats ${file} line ${fileLine + 1}: sent once`)
      continue
    }
    seen.add(`${file}#${fileLine}`)
    const ledger = await ledgerOf(file)
    if (ledger === null) continue
    if (ledger.has(fileLine)) {
      const was = ledger.get(fileLine)
      if (was !== null && was !== id) throw usageError(`${where}: ${file} line ${fileLine + 1} was replayed as ${was}, not ${id}`, ['keep the origin fields dlq export wrote'])
      already.n++
      continue
    }
    if (claimed) {
      if (!origins.has(file)) {
        if (!(await dlq.store.exists(file))) throw usageError(`${where}: dlq_file ${file} is not in the active DLQ`, ['cdcctl dlq list', 'remove dlq_file and dlq_line to replay the record as a new one'])
        origins.set(file, await dlq.origins(file))
      }
      const at = origins.get(file)?.get(fileLine)
      if (at !== id) throw usageError(`${where}: ${file} line ${fileLine + 1} holds ${at ?? 'no record'}, not ${id}`, ['keep dlq_file, dlq_line and the origin fields dlq export wrote'])
    }
    yield {file, line: fileLine, bytes: Buffer.byteLength(text), record}
  }
}

async function* selection(dlq: DlqStore, options: ReplayOptions, skipped: {n: number}, already: {n: number} = {n: 0}): AsyncIterable<Item> {
  let taken = 0
  for await (const located of source(dlq, options, already)) {
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
 * the records it names that Kafka holds are found by their replay-run header, reading each topic by
 * partition assignment from the offsets the intent recorded before the send up to the current end
 * (so no group join is waited for and nothing past the bound is read), and recorded now, so they are
 * never sent twice; the rest stay in the DLQ and go out with this run.
 */
async function recover(dlq: DlqStore, brokers: string[], onWarn: Warn): Promise<number> {
  let recovered = 0
  for await (const {key, body} of dlq.intents()) {
    let intent: Intent
    try {
      intent = JSON.parse(body) as Intent
      if (!intent || typeof intent.run !== 'string' || !Array.isArray(intent.items) || typeof intent.start !== 'object' || intent.start === null) throw new Error('not an intent')
    } catch {
      // Intents are written whole before their batch is sent: one that cannot be read was never
      // finished, so its batch never went out. It is kept aside, not read again.
      onWarn(`Replay intent ${key} is unreadable (${body.length} bytes): its batch was never sent; moved to ${await dlq.quarantine(key)}`)
      continue
    }
    const found = new Set<string>()
    for (const [topic, from] of Object.entries(intent.start)) {
      await readRange(brokers, topic, from, undefined, {
        timeoutMs: 15 * 60_000,
        onMessage: (m) => {
          if (m.headers[HEADERS.replayRun] === intent.run) found.add(`${m.headers[HEADERS.originTopic]}:${m.headers[HEADERS.originPartition]}:${m.headers[HEADERS.originOffset]}`)
        },
      })
    }
    const byFile = new Map<string, {lines: number[]; ids: string[]}>()
    for (const item of intent.items.filter((i) => found.has(i.id))) {
      const entry = byFile.get(item.file) ?? {lines: [], ids: []}
      entry.lines.push(item.line)
      entry.ids.push(item.id)
      byFile.set(item.file, entry)
    }
    for (const [file, {lines, ids}] of byFile) await dlq.markReplayed(intent.run, intent.seq, file, lines, ids)
    recovered += [...byFile.values()].reduce((n, l) => n + l.lines.length, 0)
    await dlq.deleteObject(key)
  }
  return recovered
}

export async function replay(dlq: DlqStore, brokers: string[], options: ReplayOptions): Promise<ReplayResult> {
  const runId = `replay-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`
  const result: ReplayResult = {runId, dryRun: options.dryRun, selected: 0, sent: 0, skippedExhausted: 0, alreadyReplayed: 0, recovered: 0, archivedFiles: [], preview: []}
  const skipped = {n: 0}
  const already = {n: 0}
  const warn = options.onWarn ?? (() => undefined)

  if (options.dryRun) {
    for await (const item of selection(dlq, options, skipped, already)) {
      result.selected++
      if (result.preview.length < 20) result.preview.push({topic: item.topic, key: item.record.key, error_class: item.record.error_class, origin: originId(item.record), replayCount: (item.record.replay_count ?? 0) + 1})
    }
    result.skippedExhausted = skipped.n
    result.alreadyReplayed = already.n
    return result
  }

  result.recovered = await recover(dlq, brokers, warn)
  // A first pass over the whole input before Kafka is touched: a bad line anywhere in a corrected
  // file is a usage error before anything is sent, and progress gets its total. Both passes stream.
  for await (const _item of selection(dlq, options, {n: 0})) result.selected++

  const kafka = await kafkaClient(brokers, 'cdcctl-dlq-replay')
  const producer = kafka.producer({idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false})
  // One admin connection for the run's intents (each batch records where its topics ended before the send).
  const admin = kafka.admin()
  try {
    await producer.connect()
    await admin.connect()
  } catch (error) {
    await producer.disconnect().catch(() => undefined)
    throw unreachable(brokers, error)
  }
  const touched = new Set<string>()
  const started = Date.now()
  const batchSize = Math.max(1, Math.min(options.batchSize ?? REPLAY_BATCH, options.rate ?? Number.POSITIVE_INFINITY))
  let seq = 0
  let batch: Item[] = []

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    const topics = [...new Set(batch.map((i) => i.topic))]
    const start: Intent['start'] = {}
    for (const t of topics) start[t] = Object.fromEntries((await admin.fetchTopicOffsets(t)).map((o) => [String(o.partition), o.high]))
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
    const byFile = new Map<string, {lines: number[]; ids: string[]}>()
    for (const i of batch) {
      const entry = byFile.get(i.file) ?? {lines: [], ids: []}
      entry.lines.push(i.line)
      entry.ids.push(originId(i.record))
      byFile.set(i.file, entry)
    }
    for (const [file, {lines, ids}] of byFile) {
      await dlq.markReplayed(runId, seq, file, lines, ids)
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
    for await (const item of selection(dlq, options, skipped, already)) {
      batch.push(item)
      if (batch.length >= batchSize) await flush()
    }
    await flush()
  } finally {
    await producer.disconnect().catch(() => undefined)
    await admin.disconnect().catch(() => undefined)
  }
  result.skippedExhausted = skipped.n
  result.alreadyReplayed = already.n
  for (const file of touched) if (file.startsWith(ACTIVE_PREFIX) && (await dlq.archiveIfDone(file))) result.archivedFiles.push(file)
  await dlq.writeRunSummary(runId, {...result, finishedAt: new Date().toISOString(), options: {...options, onProgress: undefined, onWarn: undefined}})
  return result
}
