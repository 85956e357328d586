/** A Debezium change event reduced to what a person scanning a topic wants to see. */
export interface ChangeSummary {
  topic: string
  partition: number
  offset: string
  op: string
  table: string | null
  key: unknown
  /**
   * Columns whose value differs between before and after: all of `after` for an insert, and for an
   * update whose table sends no before image (REPLICA IDENTITY DEFAULT); none for a delete, whose
   * before image then holds only the key (`key` names the row).
   */
  changed: Record<string, {before: unknown; after: unknown}>
  lsn: number | null
  tsMs: number | null
  tombstone: boolean
}

const OP_NAMES: Record<string, string> = {c: 'create', u: 'update', d: 'delete', r: 'read'}
export const opName = (op: string): string => OP_NAMES[op] ?? op

function parse(text: string | null): unknown {
  if (text === null) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export function summarize(topic: string, partition: number, offset: string, key: string | null, value: string | null): ChangeSummary {
  const base = {topic, partition, offset, key: parse(key)}
  if (value === null) return {...base, op: 'tombstone', table: null, changed: {}, lsn: null, tsMs: null, tombstone: true}
  const env = parse(value) as {op?: string; before?: Record<string, unknown> | null; after?: Record<string, unknown> | null; source?: {table?: string; lsn?: number}; ts_ms?: number}
  if (typeof env !== 'object' || env === null || !env.op) {
    return {...base, op: 'unparseable', table: null, changed: {}, lsn: null, tsMs: null, tombstone: false}
  }
  const before = env.op === 'd' ? {} : env.before ?? {}
  const after = env.after ?? {}
  const changed: ChangeSummary['changed'] = {}
  for (const col of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[col]) !== JSON.stringify(after[col])) changed[col] = {before: before[col] ?? null, after: after[col] ?? null}
  }
  return {...base, op: env.op, table: env.source?.table ?? null, changed, lsn: env.source?.lsn ?? null, tsMs: env.ts_ms ?? null, tombstone: false}
}

/** One line: `u users key={"id":1} email: a@x -> b@x` (`email=b@x` where no before value came). */
export function formatChange(s: ChangeSummary): string {
  const cols = Object.entries(s.changed)
    .map(([c, v]) => (v.before === null ? `${c}=${JSON.stringify(v.after)}` : `${c}: ${JSON.stringify(v.before)} -> ${JSON.stringify(v.after)}`))
    .join(', ')
  return `${s.topic}[${s.partition}]@${s.offset} ${opName(s.op)} ${s.table ?? ''} key=${JSON.stringify(s.key)}${cols ? ' ' + cols : ''}`
}
