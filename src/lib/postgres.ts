import {readFileSync} from 'node:fs'

import type {Client} from 'pg'

import {CdcError, firstLine} from './errors'
import type {DbCredentials} from './targets/types'

/**
 * A connected client (pg loads lazily). Always TLS with verify-full: the server's certificate must
 * chain to `db.caFile` and name the host (RDS forces TLS; the local stack too).
 */
export async function connectPostgres(db: DbCredentials): Promise<Client> {
  const {Client: PgClient} = await import('pg')
  let ca: string
  try {
    ca = readFileSync(db.caFile, 'utf8')
  } catch (error) {
    throw new CdcError(`Cannot verify PostgreSQL at ${db.host}:${db.port}: its CA certificates ${db.caFile} are not readable (${firstLine((error as Error).message)})`, {code: 'POSTGRES_CA_MISSING', actions: ['cdcctl local up (makes the local CA)', 'set postgres.caFile to the CA bundle of the server']})
  }
  const client = new PgClient({host: db.host, port: db.port, database: db.database, user: db.username, password: db.password.reveal(), connectionTimeoutMillis: 5000, ssl: {ca, rejectUnauthorized: true}})
  try {
    await client.connect()
  } catch (error) {
    throw new CdcError(`PostgreSQL at ${db.host}:${db.port}/${db.database} is not reachable: ${firstLine((error as Error).message)}`, {
      code: 'POSTGRES_UNREACHABLE',
      actions: ['cdcctl local up', 'check postgres.host / the db-credentials secret'],
      cause: error,
    })
  }
  return client
}

/** Connect, run fn, always close. */
export async function withPostgres<T>(db: DbCredentials, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectPostgres(db)
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
  /** How long ago the oldest change the slot still holds for its consumer was committed; null when unknown. */
  lagSeconds: number | null
  /** WAL kept on disk for the slot (what a stuck slot fills the disk with). */
  walRetainedBytes: number | null
}

// pgoutput's BEGIN message: 'B', Int64 final LSN, Int64 commit time (microseconds since 2000-01-01 UTC), Int32 xid.
const PG_EPOCH_MS = Date.UTC(2000, 0, 1)

/**
 * The slot's lag in bytes and in time. In time: with a consumer attached, the walsender's flush_lag;
 * without one, the commit time of the oldest transaction it still holds, peeked (not consumed) from
 * the slot through its own publication.
 */
export async function slotInfo(client: Client, slot: string, publication?: string): Promise<SlotInfo> {
  const res = await client.query<{active: boolean; lag: string | null; retained: string | null; flush_lag: string | null}>(
    `SELECT s.active, pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::text AS lag,
            pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::text AS retained,
            EXTRACT(EPOCH FROM r.flush_lag)::text AS flush_lag
       FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
      WHERE s.slot_name = $1`,
    [slot],
  )
  if (res.rowCount === 0) return {slot, exists: false, active: false, lagBytes: null, lagSeconds: null, walRetainedBytes: null}
  const row = res.rows[0]
  const num = (v: string | null): number | null => (v === null ? null : Number(v))
  const base = {slot, exists: true, lagBytes: num(row.lag), walRetainedBytes: num(row.retained)}
  if (row.active) return {...base, active: true, lagSeconds: row.flush_lag === null ? 0 : Math.round(Number(row.flush_lag))}
  return {...base, active: false, lagSeconds: publication ? await oldestHeldChange(client, slot, publication) : null}
}

async function oldestHeldChange(client: Client, slot: string, publication: string): Promise<number | null> {
  try {
    await client.query("SET statement_timeout = '10s'")
    const peek = await client.query<{data: Buffer}>(
      "SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, 1, 'proto_version', '1', 'publication_names', $2) LIMIT 1",
      [slot, publication],
    )
    const begin = peek.rows[0]?.data
    if (!begin) return 0
    if (begin[0] !== 0x42) return null
    const committedMs = PG_EPOCH_MS + Number(begin.readBigInt64BE(9) / 1000n)
    return Math.max(0, Math.round((Date.now() - committedMs) / 1000))
  } catch {
    // no replication privilege, or decoding a long backlog took too long
    return null
  } finally {
    await client.query('RESET statement_timeout').catch(() => undefined)
  }
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
