import {createHash} from 'node:crypto'
import {createInterface} from 'node:readline'

import {CdcError, firstLine} from '../errors'
import {type ObjectStore, readText} from '../storage'
import {type DlqFilter, type DlqRecord, matches, originId} from './record'

export const ACTIVE_PREFIX = 'dlq/bronze/'
const REPLAYED = 'dlq/_replayed/'

export interface Located {
  file: string
  line: number
  bytes: number
  record: DlqRecord
}

/** Told about what is skipped (a line that is not JSON, a file whose ledger cannot be read), so it is never silent. */
export type Warn = (message: string) => void

/** A file's ledger: replayed line -> the origin id that was replayed from it (null in chunks that predate ids). */
export type Ledger = Map<number, string | null>

const fileId = (file: string): string => createHash('sha256').update(file).digest('hex').slice(0, 16)

/** A DLQ line as a record, or why it is not one. */
export function parseRecord(text: string): DlqRecord | string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return `is not JSON (${firstLine((error as Error).message)})`
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object'
  const r = value as DlqRecord
  if (typeof r.topic !== 'string' && typeof r.origin_topic !== 'string') return 'has no topic'
  return r
}

/**
 * The dead-letter queue under {root}/dlq/: active records in dlq/bronze/, and under dlq/_replayed/
 * the ledger of what each replay run got acknowledged (per DLQ file), the intents written before
 * each send, run summaries, and the archive of fully replayed files. One bad object (a truncated
 * line, an unreadable ledger chunk) is named in a warning and skipped; the rest is served.
 */
export class DlqStore {
  private readonly warn: Warn

  constructor(readonly store: ObjectStore, options: {onWarn?: Warn} = {}) {
    this.warn = options.onWarn ?? (() => undefined)
  }

  /** Active DLQ files, oldest day first. */
  async *files(): AsyncIterable<{key: string; size: number}> {
    await this.store.checkRoot()
    for await (const o of this.store.list(ACTIVE_PREFIX)) if (o.key.endsWith('.jsonl')) yield o
  }

  /** What replays got acknowledged from a file; a chunk that cannot be read fails with its name (LEDGER_UNREADABLE). */
  async ledger(file: string): Promise<Ledger> {
    const done: Ledger = new Map()
    for await (const o of this.store.list(`${REPLAYED}ledger/${fileId(file)}/`)) {
      const text = await readText(this.store, o.key)
      let chunk: unknown = null
      try {
        chunk = JSON.parse(text)
      } catch {
        // reported below
      }
      const {lines, ids} = (typeof chunk === 'object' && chunk !== null ? chunk : {}) as {lines?: unknown; ids?: unknown}
      if (!Array.isArray(lines) || !lines.every((l) => Number.isInteger(l)) || (ids !== undefined && (!Array.isArray(ids) || ids.length !== lines.length))) {
        throw new CdcError(`Ledger chunk ${o.key} of DLQ file ${file} is unreadable (${text.length} bytes, not a ledger object)`, {code: 'LEDGER_UNREADABLE', actions: [`restore ${o.key} from a backup, or remove it once you know which lines it recorded`]})
      }
      lines.forEach((l, i) => done.set(l as number, ids ? String((ids as unknown[])[i]) : null))
    }
    return done
  }

  /** Line numbers of a file that a replay already got acknowledged. */
  async replayedLines(file: string): Promise<Set<number>> {
    return new Set((await this.ledger(file)).keys())
  }

  /** Every active (not yet replayed) record matching the filter, streamed a file at a time. */
  async *records(filter: DlqFilter = {}): AsyncIterable<Located> {
    for await (const f of this.files()) {
      let ledger: Ledger
      try {
        ledger = await this.ledger(f.key)
      } catch (error) {
        if (!(error instanceof CdcError && error.code === 'LEDGER_UNREADABLE')) throw error
        // Which of its lines were replayed is unknown: serving them could send a record twice.
        this.warn(`${error.message}: its records are skipped until the chunk is repaired`)
        continue
      }
      yield* this.fileRecords(f.key, filter, ledger)
    }
  }

  async *fileRecords(file: string, filter: DlqFilter = {}, ledger?: Ledger): AsyncIterable<Located> {
    const done = ledger ?? (await this.ledger(file))
    let line = 0
    for await (const text of createInterface({input: await this.store.read(file), crlfDelay: Infinity})) {
      const n = line++
      if (text.trim() === '' || done.has(n)) continue
      const record = parseRecord(text)
      if (typeof record === 'string') {
        this.warn(`DLQ file ${file} line ${n + 1} ${record}: skipped (it stays in the DLQ)`)
        continue
      }
      if (matches(record, filter)) yield {file, line: n, bytes: Buffer.byteLength(text) + 1, record}
    }
  }

  /** The origin id of every record line of a DLQ file (line -> id), to check what a corrected file claims. */
  async origins(file: string): Promise<Map<number, string>> {
    const out = new Map<number, string>()
    let line = 0
    for await (const text of createInterface({input: await this.store.read(file), crlfDelay: Infinity})) {
      const n = line++
      const record = text.trim() === '' ? null : parseRecord(text)
      if (record && typeof record !== 'string') out.set(n, originId(record))
    }
    return out
  }

  /** Mark lines of a DLQ file as replayed: one immutable, fsynced ledger object per acknowledged batch. */
  async markReplayed(runId: string, seq: number, file: string, lines: number[], ids: string[]): Promise<void> {
    await this.store.write(`${REPLAYED}ledger/${fileId(file)}/${runId}-${String(seq).padStart(6, '0')}.json`, JSON.stringify({file, run: runId, lines, ids}))
  }

  async writeIntent(runId: string, seq: number, intent: unknown): Promise<string> {
    const key = `${REPLAYED}intents/${runId}-${String(seq).padStart(6, '0')}.json`
    await this.store.write(key, JSON.stringify(intent))
    return key
  }

  async *intents(): AsyncIterable<{key: string; body: string}> {
    for await (const o of this.store.list(`${REPLAYED}intents/`)) yield {key: o.key, body: await readText(this.store, o.key)}
  }

  /** Move an object aside to dlq/_replayed/quarantine/, where it is kept but no longer read. */
  async quarantine(key: string): Promise<string> {
    const to = `${REPLAYED}quarantine/${key}`
    await this.store.copy(key, to)
    await this.store.delete(key)
    return to
  }

  async deleteObject(key: string): Promise<void> {
    await this.store.delete(key)
  }

  async writeRunSummary(runId: string, summary: unknown): Promise<void> {
    await this.store.write(`${REPLAYED}runs/${runId}.json`, JSON.stringify(summary, null, 2))
  }

  /** Move a DLQ file whose every record was replayed out of the active DLQ (streamed copy first, then delete). */
  async archiveIfDone(file: string): Promise<boolean> {
    if (!file.startsWith(ACTIVE_PREFIX) || !(await this.store.exists(file))) return false
    const done = await this.replayedLines(file)
    let line = 0
    for await (const text of createInterface({input: await this.store.read(file), crlfDelay: Infinity})) {
      if (text.trim() !== '' && !done.has(line)) return false
      line++
    }
    await this.store.copy(file, `${REPLAYED}archive/${file}`)
    await this.store.delete(file)
    // Hadoop's local file system writes a .<name>.crc beside each file; it goes with the file.
    const slash = file.lastIndexOf('/')
    await this.store.delete(`${file.slice(0, slash + 1)}.${file.slice(slash + 1)}.crc`)
    return true
  }
}
