import type {Client} from 'pg'

import {CdcError, firstLine} from '../errors'
import {poll, sleep} from '../poll'
import {connectPostgres} from '../postgres'
import type {DbCredentials} from '../targets/types'
import {Pools, seeded, type Shape, transaction} from './workload'

export interface LoadOptions {
  seed: number
  durationSec: number
  /** Transactions per second (at most); 0: as fast as the database takes them. */
  rate: number
  /** Statements per transaction: 1 to this many. */
  maxRows: number
  /** Rows one update statement changes, and the share of them on hot keys (default 1 and 0). */
  shape?: Shape
  /** Stop once this many row changes are committed. */
  maxChanges?: number
  /** Ids per table the workload starts from: the newest this many (default 500). */
  poolSize?: number
  /** Stop early when this resolves (a signal, a test). */
  stop?: Promise<void>
  /** How long to keep reconnecting when the database goes away (a restart) before giving up. */
  reconnectTimeoutSec?: number
  onProgress?: (p: LoadResult) => void
}

export type Counts = Record<string, {inserts: number; updates: number; deletes: number}>

export interface LoadResult {
  seed: number
  durationSec: number
  /** Committed transactions and the row changes they made. */
  transactions: number
  changes: number
  byTable: Counts
  /** Rolled back (a constraint another writer broke, a lost connection before COMMIT). */
  failed: number
  /** Connection lost during COMMIT: committed or not, the database decides. */
  uncertain: number
  reconnects: number
  /** The first error of each kind, one line each. */
  errors: string[]
}

async function connect(db: DbCredentials): Promise<Client> {
  const client = await connectPostgres(db)
  // a restart of the database ends the connection: the loop sees the failed query and reconnects
  client.on('error', () => undefined)
  return client
}

/** Rows the workload may update at the start: a sample of what is there. */
async function fillPools(client: Client, pools: Pools, size: number): Promise<void> {
  for (const table of ['users', 'products', 'orders'] as const) {
    const res = await client.query<{id: string}>(`SELECT id FROM public.${table} ORDER BY id DESC LIMIT $1`, [size])
    // oldest first: the newest ids are the hot end of a pool
    pools[table].push(...res.rows.map((r) => Number(r.id)).reverse())
  }
  const refs = await client.query<{user_id: string; product_id: string}>('SELECT DISTINCT user_id, product_id FROM public.orders')
  for (const r of refs.rows) {
    pools.referenced.add(`users:${r.user_id}`)
    pools.referenced.add(`products:${r.product_id}`)
  }
}

const LOST = /ECONNREFUSED|ECONNRESET|terminat|Connection|shutdown|57P0|not queryable|EPIPE/i

/**
 * Run the seeded workload against Postgres for `durationSec` at most `rate` transactions a second.
 * A lost connection (the database restarting) is waited out and the workload goes on.
 */
export async function runLoad(db: DbCredentials, options: LoadOptions): Promise<LoadResult> {
  const rng = seeded(options.seed)
  const pools = new Pools()
  const tag = `load${options.seed}-${Date.now().toString(36)}`
  let counter = 0
  const n = (): number => ++counter
  const result: LoadResult = {seed: options.seed, durationSec: options.durationSec, transactions: 0, changes: 0, byTable: {}, failed: 0, uncertain: 0, reconnects: 0, errors: []}
  const note = (error: unknown): void => {
    const line = firstLine((error as Error).message ?? String(error))
    if (result.errors.length < 10 && !result.errors.includes(line)) result.errors.push(line)
  }
  let stopped = false
  void options.stop?.then(() => (stopped = true))
  let client = await connect(db)
  const reconnect = async (): Promise<void> => {
    await client.end().catch(() => undefined)
    result.reconnects++
    client = await poll(async () => connect(db).catch(() => null), (c) => c !== null, {
      timeoutMs: (options.reconnectTimeoutSec ?? 120) * 1000,
      intervalMs: 500,
      onTimeout: () => new CdcError(`PostgreSQL at ${db.host}:${db.port} did not come back within ${options.reconnectTimeoutSec ?? 120}s`, {code: 'POSTGRES_UNREACHABLE'}),
    }) as Client
  }
  const started = Date.now()
  try {
    await fillPools(client, pools, options.poolSize ?? 500)
    const more = (): boolean => options.maxChanges === undefined || result.changes < options.maxChanges
    for (let i = 0; !stopped && more() && Date.now() - started < options.durationSec * 1000; i++) {
      const statements = transaction(rng, pools, tag, n, options.maxRows, options.shape)
      const made: Counts = {}
      const inserted: {table: string; id: number}[] = []
      let committing = false
      try {
        await client.query('BEGIN')
        for (const s of statements) {
          const res = await client.query<{id: string}>(s.sql, s.params)
          const c = (made[s.table] ??= {inserts: 0, updates: 0, deletes: 0})
          c[`${s.op}s` as 'deletes' | 'inserts' | 'updates'] += res.rowCount ?? 0
          if (s.returnsId && res.rows[0]) inserted.push({table: s.table, id: Number(res.rows[0].id)})
        }
        committing = true
        await client.query('COMMIT')
        result.transactions++
        for (const [table, c] of Object.entries(made)) {
          const t = (result.byTable[table] ??= {inserts: 0, updates: 0, deletes: 0})
          t.inserts += c.inserts
          t.updates += c.updates
          t.deletes += c.deletes
          result.changes += c.inserts + c.updates + c.deletes
        }
        for (const {table, id} of inserted) pools[table as 'orders' | 'products' | 'users'].push(id)
      } catch (error) {
        note(error)
        if (LOST.test((error as Error).message ?? '')) {
          if (committing) result.uncertain++
          else result.failed++
          await reconnect()
        } else {
          result.failed++
          await client.query('ROLLBACK').catch(() => undefined)
        }
      }
      if (i % 50 === 0) options.onProgress?.(result)
      const ahead = options.rate > 0 ? (i + 1) / options.rate - (Date.now() - started) / 1000 : 0
      if (ahead > 0) await sleep(ahead * 1000)
    }
  } finally {
    await client.end().catch(() => undefined)
  }
  result.durationSec = Math.round((Date.now() - started) / 100) / 10
  return result
}
