import {randomUUID} from 'node:crypto'

import {usageError} from '../errors'
import {withPostgres} from '../postgres'
import type {Target} from '../targets/types'
import {catalog} from '../catalog'
import {signalTable} from './debezium'

export interface SnapshotRequest {
  signalId: string
  tables: string[]
}

/** Ask Debezium for an incremental snapshot (backfill) of tables by writing to its signal table. */
export async function requestSnapshot(target: Target, tables: string[]): Promise<SnapshotRequest> {
  const captured = target.profile.connect.tables
  const qualified = tables.map((t) => (t.includes('.') ? t : `${catalog().source.schema}.${t}`))
  const unknown = qualified.filter((t) => !captured.includes(t))
  if (unknown.length > 0) throw usageError(`Not captured by the connector: ${unknown.join(', ')}`, [`snapshot one of: ${captured.join(', ')}`])
  const signalId = randomUUID()
  await withPostgres(await target.dbCredentials(), (client) =>
    client.query(`INSERT INTO ${signalTable()} (id, type, data) VALUES ($1, 'execute-snapshot', $2)`, [signalId, JSON.stringify({'data-collections': qualified, type: 'incremental'})]),
  )
  return {signalId, tables: qualified}
}

export interface SnapshotProgress {
  running: boolean
  /** Tables still to snapshot, current first. */
  tables: string[]
  /** The last primary key read of the current table, and the largest it will read. */
  lastKey: string | null
  maxKey: string | null
}

/** Incremental snapshot progress as Debezium records it in the connector's source offset. */
export function snapshotProgress(offsets: {offset: Record<string, unknown>}[]): SnapshotProgress {
  const offset = offsets.map((o) => o.offset).find((o) => o && 'incremental_snapshot_collections' in o)
  if (!offset) return {running: false, tables: [], lastKey: null, maxKey: null}
  const collections = parseJson(offset.incremental_snapshot_collections) as {incremental_snapshot_collections_id?: string}[] | string[] | null
  const tables = (collections ?? []).map((c) => (typeof c === 'string' ? c : (c.incremental_snapshot_collections_id ?? JSON.stringify(c))))
  return {
    running: tables.length > 0,
    tables,
    lastKey: (offset.incremental_snapshot_primary_key as string | undefined) ?? null,
    maxKey: (offset.incremental_snapshot_maximum_key as string | undefined) ?? null,
  }
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}
