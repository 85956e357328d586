import {createHash} from 'node:crypto'
import {createInterface} from 'node:readline'

import {CdcError} from '../errors'
import {type ObjectStore, readText} from '../storage'
import {type DlqFilter, type DlqRecord, matches} from './record'

export const ACTIVE_PREFIX = 'dlq/bronze/'
const REPLAYED = 'dlq/_replayed/'

export interface Located {
  file: string
  line: number
  bytes: number
  record: DlqRecord
}

const fileId = (file: string): string => createHash('sha256').update(file).digest('hex').slice(0, 16)

/**
 * The dead-letter queue under {root}/dlq/: active records in dlq/bronze/, and under dlq/_replayed/
 * the ledger of what each replay run got acknowledged (per DLQ file), the intents written before
 * each send, run summaries, and the archive of fully replayed files.
 */
export class DlqStore {
  constructor(readonly store: ObjectStore) {}

  /** Active DLQ files, oldest day first. */
  async *files(): AsyncIterable<{key: string; size: number}> {
    for await (const o of this.store.list(ACTIVE_PREFIX)) if (o.key.endsWith('.jsonl')) yield o
  }

  /** Line numbers of a file that a replay already got acknowledged. */
  async replayedLines(file: string): Promise<Set<number>> {
    const done = new Set<number>()
    for await (const o of this.store.list(`${REPLAYED}ledger/${fileId(file)}/`)) {
      const chunk = JSON.parse(await readText(this.store, o.key)) as {lines: number[]}
      for (const l of chunk.lines) done.add(l)
    }
    return done
  }

  /** Every active (not yet replayed) record matching the filter, streamed a file at a time. */
  async *records(filter: DlqFilter = {}): AsyncIterable<Located> {
    for await (const f of this.files()) yield* this.fileRecords(f.key, filter)
  }

  async *fileRecords(file: string, filter: DlqFilter = {}): AsyncIterable<Located> {
    const done = await this.replayedLines(file)
    let line = 0
    for await (const text of createInterface({input: await this.store.read(file), crlfDelay: Infinity})) {
      const n = line++
      if (text.trim() === '' || done.has(n)) continue
      let record: DlqRecord
      try {
        record = JSON.parse(text) as DlqRecord
      } catch {
        throw new CdcError(`DLQ file ${file} line ${n + 1} is not JSON`, {code: 'DLQ_CORRUPT', actions: ['inspect the file by hand']})
      }
      if (matches(record, filter)) yield {file, line: n, bytes: Buffer.byteLength(text) + 1, record}
    }
  }

  /** Mark lines of a DLQ file as replayed: one immutable ledger object per acknowledged batch. */
  async markReplayed(runId: string, seq: number, file: string, lines: number[]): Promise<void> {
    await this.store.write(`${REPLAYED}ledger/${fileId(file)}/${runId}-${String(seq).padStart(6, '0')}.json`, JSON.stringify({file, run: runId, lines}))
  }

  async writeIntent(runId: string, seq: number, intent: unknown): Promise<string> {
    const key = `${REPLAYED}intents/${runId}-${String(seq).padStart(6, '0')}.json`
    await this.store.write(key, JSON.stringify(intent))
    return key
  }

  async *intents(): AsyncIterable<{key: string; body: string}> {
    for await (const o of this.store.list(`${REPLAYED}intents/`)) yield {key: o.key, body: await readText(this.store, o.key)}
  }

  async deleteObject(key: string): Promise<void> {
    await this.store.delete(key)
  }

  async writeRunSummary(runId: string, summary: unknown): Promise<void> {
    await this.store.write(`${REPLAYED}runs/${runId}.json`, JSON.stringify(summary, null, 2))
  }

  /** Move a DLQ file whose every record was replayed out of the active DLQ (copy first, then delete). */
  async archiveIfDone(file: string): Promise<boolean> {
    if (!(await this.store.exists(file))) return false
    const done = await this.replayedLines(file)
    let line = 0
    for await (const text of createInterface({input: await this.store.read(file), crlfDelay: Infinity})) {
      if (text.trim() !== '' && !done.has(line)) return false
      line++
    }
    await this.store.write(`${REPLAYED}archive/${file}`, await readText(this.store, file))
    await this.store.delete(file)
    // Hadoop's local file system writes a .<name>.crc beside each file; it goes with the file.
    const slash = file.lastIndexOf('/')
    await this.store.delete(`${file.slice(0, slash + 1)}.${file.slice(slash + 1)}.crc`)
    return true
  }
}
