import {usageError} from '../errors'

/** One line of {root}/dlq/bronze/dt=YYYY-MM-DD/*.jsonl (ARCHITECTURE.md §3). */
export interface DlqRecord {
  topic: string
  partition: number
  offset: number
  key: string | null
  key_encoding?: string | null
  value: string | null
  encoding: 'base64' | 'utf8' | null
  error_class: string
  error: string
  failed_at: string
  job_run_id: string
  replay_count?: number | null
  origin_topic?: string | null
  origin_partition?: number | null
  origin_offset?: number | null
  kafka_timestamp?: string | null
  /** Where the record sits in the DLQ; added by `dlq export` so a corrected file replays in its place. */
  dlq_file?: string
  dlq_line?: number
}

/** Where the record first entered Kafka: a replayed record keeps its origin across replays. */
export function origin(r: DlqRecord): {topic: string; partition: number; offset: number} {
  return r.origin_topic ? {topic: r.origin_topic, partition: Number(r.origin_partition), offset: Number(r.origin_offset)} : {topic: r.topic, partition: Number(r.partition), offset: Number(r.offset)}
}

export const originId = (r: DlqRecord): string => {
  const o = origin(r)
  return `${o.topic}:${o.partition}:${o.offset}`
}

export function decode(text: string | null, encoding: string | null | undefined): Buffer | null {
  if (text === null || text === undefined) return null
  return encoding === 'base64' ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8')
}

export interface DlqFilter {
  topic?: string
  /** Substring of the error message, or an error class (exact, case-insensitive). */
  error?: string
  since?: Date
  until?: Date
}

export function matches(r: DlqRecord, f: DlqFilter): boolean {
  if (f.topic && origin(r).topic !== f.topic && r.topic !== f.topic) return false
  if (f.error && r.error_class?.toLowerCase() !== f.error.toLowerCase() && !r.error?.toLowerCase().includes(f.error.toLowerCase())) return false
  const at = Date.parse(r.failed_at)
  if (f.since && !(at >= f.since.getTime())) return false
  if (f.until && !(at < f.until.getTime())) return false
  return true
}

/** An ISO date/time, or a relative age like 30m, 12h, 7d. */
export function parseTime(flag: string, value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined
  const rel = /^(\d+)([smhd])$/.exec(value)
  if (rel) return new Date(now - Number(rel[1]) * {s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7}[rel[2] as 's' | 'm' | 'h' | 'd'])
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw usageError(`--${flag} ${value} is not a date or an age`, ['use e.g. 2026-11-25, 2026-11-25T10:00:00Z, 12h or 7d'])
  return new Date(t)
}
