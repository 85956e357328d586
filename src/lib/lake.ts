import {CdcError} from './errors'
import {type ObjectStore, readText} from './storage'

/**
 * What the CLI reads of the lake without Spark, through the storage root: Iceberg table metadata
 * (snapshots and their summaries) and a streaming job's checkpoint (its last committed batch).
 */

export interface Snapshot {
  id: string
  committedAt: string
  summary: Record<string, string>
}

/** A column of an Iceberg table's current schema, its type in Iceberg's words (long, decimal(12, 2), timestamptz…). */
export interface Field {
  name: string
  type: string
  doc?: string
}

export interface TableMetadata {
  location: string
  /** Newest first, in the current lineage. */
  snapshots: Snapshot[]
  /** The current schema's top-level columns, in order. */
  fields: Field[]
  properties: Record<string, string>
}

interface MetadataJson {
  location: string
  'current-snapshot-id'?: number | string | null
  snapshots?: {'snapshot-id': number | string; 'parent-snapshot-id'?: number | string; 'timestamp-ms': number; summary?: Record<string, string>}[]
  'current-schema-id'?: number
  schemas?: {'schema-id': number; fields: {name: string; type: unknown; doc?: string}[]}[]
  properties?: Record<string, string>
}

/** An Iceberg metadata file (`vN.metadata.json` / `NNNNN-<uuid>.metadata.json`) as its current lineage. */
export async function readTableMetadata(store: ObjectStore, key: string): Promise<TableMetadata> {
  let json: MetadataJson
  try {
    json = JSON.parse(await readText(store, key)) as MetadataJson
  } catch (error) {
    throw new CdcError(`Iceberg metadata ${key} is not readable JSON: ${(error as Error).message}`, {code: 'LAKE_METADATA_INVALID'})
  }
  const byId = new Map((json.snapshots ?? []).map((s) => [String(s['snapshot-id']), s]))
  const snapshots: Snapshot[] = []
  for (let id = json['current-snapshot-id']; id !== undefined && id !== null && id !== -1 && byId.has(String(id)); ) {
    const s = byId.get(String(id)) as NonNullable<MetadataJson['snapshots']>[number]
    snapshots.push({id: String(s['snapshot-id']), committedAt: new Date(s['timestamp-ms']).toISOString(), summary: s.summary ?? {}})
    id = s['parent-snapshot-id']
  }
  const schema = (json.schemas ?? []).find((x) => x['schema-id'] === json['current-schema-id']) ?? json.schemas?.at(-1)
  // a nested type is an object; the pipeline's tables have none, and its kind is enough to show
  const fields = (schema?.fields ?? []).map((f) => ({name: f.name, type: typeof f.type === 'string' ? f.type : String((f.type as {type?: string}).type ?? 'nested'), ...(f.doc ? {doc: f.doc} : {})}))
  return {location: json.location, snapshots, fields, properties: json.properties ?? {}}
}

/** A Hadoop-catalog table's current metadata file: `<table>/metadata/version-hint.text` names it. */
export async function hadoopMetadataKey(store: ObjectStore, tableDir: string): Promise<string | null> {
  const hint = `${tableDir}/metadata/version-hint.text`
  if (!(await store.exists(hint))) return null
  return `${tableDir}/metadata/v${(await readText(store, hint)).trim()}.metadata.json`
}

export interface StreamProgress {
  /** The last batch the streaming query committed; null before the first. */
  batch: number | null
  committedAt: string | null
  /** Kafka end offsets (exclusive) that batch read up to, per topic and partition. */
  offsets: Record<string, Record<string, number>>
}

/**
 * A Structured Streaming checkpoint ({root}/checkpoints/<job>): the newest file under commits/ is the
 * last batch that completed, and offsets/<batch> records where it read to (third line on: one JSON
 * object per source, topic -> partition -> next offset).
 */
export async function streamProgress(store: ObjectStore, checkpoint: string): Promise<StreamProgress> {
  let last: {batch: number; modified: Date} | undefined
  for await (const o of store.list(`${checkpoint}/commits/`)) {
    const name = o.key.slice(o.key.lastIndexOf('/') + 1)
    if (!/^\d+$/.test(name)) continue
    if (!last || Number(name) > last.batch) last = {batch: Number(name), modified: o.modified}
  }
  if (!last) return {batch: null, committedAt: null, offsets: {}}
  const lines = (await readText(store, `${checkpoint}/offsets/${last.batch}`)).split('\n').slice(2).filter((l) => l.trim().startsWith('{'))
  const offsets: StreamProgress['offsets'] = {}
  for (const line of lines) Object.assign(offsets, JSON.parse(line) as StreamProgress['offsets'])
  return {batch: last.batch, committedAt: last.modified.toISOString(), offsets}
}
