import type {DlqFilter} from './record'
import {origin} from './record'
import type {DlqStore} from './store'

export interface DlqStats {
  total: number
  bytes: number
  oldest: string | null
  newest: string | null
  byTopic: Record<string, number>
  byErrorClass: Record<string, number>
  byDay: Record<string, number>
}

/** Counts over the active DLQ, in one streaming pass. */
export async function dlqStats(dlq: DlqStore, filter: DlqFilter = {}): Promise<DlqStats> {
  const s: DlqStats = {total: 0, bytes: 0, oldest: null, newest: null, byTopic: {}, byErrorClass: {}, byDay: {}}
  const bump = (m: Record<string, number>, k: string): void => void (m[k] = (m[k] ?? 0) + 1)
  for await (const {file, bytes, record} of dlq.records(filter)) {
    s.total++
    s.bytes += bytes
    bump(s.byTopic, origin(record).topic)
    bump(s.byErrorClass, record.error_class ?? 'UNKNOWN')
    bump(s.byDay, /dt=([^/]+)/.exec(file)?.[1] ?? 'unknown')
    if (!s.oldest || record.failed_at < s.oldest) s.oldest = record.failed_at
    if (!s.newest || record.failed_at > s.newest) s.newest = record.failed_at
  }
  return s
}
