import type {Client} from 'pg'

import {CdcError, firstLine} from './errors'
import type {DbCredentials} from './targets/types'

/** Open a connection (pg loads lazily), run fn, always close. */
export async function withPostgres<T>(db: DbCredentials, fn: (client: Client) => Promise<T>): Promise<T> {
  const {Client: PgClient} = await import('pg')
  const client = new PgClient({host: db.host, port: db.port, database: db.database, user: db.username, password: db.password.reveal(), connectionTimeoutMillis: 5000})
  try {
    await client.connect()
  } catch (error) {
    throw new CdcError(`PostgreSQL at ${db.host}:${db.port}/${db.database} is not reachable: ${firstLine((error as Error).message)}`, {
      code: 'POSTGRES_UNREACHABLE',
      actions: ['cdcctl local up', 'check postgres.host / the db-credentials secret'],
      cause: error,
    })
  }
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

export interface SlotInfo {
  slot: string
  exists: boolean
  active: boolean
  lagBytes: number | null
  walRetainedBytes: number | null
}

export async function slotInfo(client: Client, slot: string): Promise<SlotInfo> {
  const res = await client.query<{active: boolean; lag: string | null; retained: string | null}>(
    `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag,
            pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  )
  if (res.rowCount === 0) return {slot, exists: false, active: false, lagBytes: null, walRetainedBytes: null}
  const row = res.rows[0]
  const num = (v: string | null): number | null => (v === null ? null : Number(v))
  return {slot, exists: true, active: row.active, lagBytes: num(row.lag), walRetainedBytes: num(row.retained)}
}

/** The subset of `schema.table` names that do not exist. */
export async function missingTables(client: Client, tables: string[]): Promise<string[]> {
  const res = await client.query<{name: string}>(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname || '.' || c.relname = ANY($1)`,
    [tables],
  )
  const found = new Set(res.rows.map((r) => r.name))
  return tables.filter((t) => !found.has(t))
}
