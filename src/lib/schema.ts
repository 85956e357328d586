import type {Client} from 'pg'

import {catalog, type TableSpec} from './catalog'
import {firstLine} from './errors'
import type {TableMetadata} from './lake'
import {withPostgres} from './postgres'
import type {Target} from './targets/types'

/**
 * Schema drift per source table: the source's columns (Postgres), the fields silver has read in bronze
 * events, silver's columns (its Iceberg schema) and the catalog's declared ones, side by side. The
 * classification follows the bronze-to-silver job's (glue-jobs/cdc_lake/schema.py; both run the cases
 * in test/fixtures/schema-type-cases.json), so this says what the next run will do.
 */

/**
 * ok: source and silver agree. new: in the source, not yet in silver (the next run adds it). widen: the
 * source's type is wider (the next run widens silver). allowed: a narrower or incompatible source type
 * allowed on the silver table. stop: one the next run stops the table on. dropped: in silver, no longer
 * in the source (kept; new versions carry null). unknown: the source could not be read.
 */
export type ColumnState = 'allowed' | 'dropped' | 'new' | 'ok' | 'stop' | 'unknown' | 'widen'

export interface ColumnDiff {
  column: string
  /** The type pipeline.yaml declares; null for a column beyond the catalog's. */
  catalog: string | null
  /** Postgres's type (format_type); null when the source lacks the column or could not be read. */
  source: string | null
  /** The Spark SQL type silver gives the source's type. */
  sourceAs: string | null
  /** When silver last read the field in a bronze event (its source time); null if never. */
  bronzeSeen: string | null
  /** Silver's type now (Spark SQL words); null when silver lacks the column (or the table). */
  silver: string | null
  state: ColumnState
  note: string
}

export interface TableDiff {
  table: string
  silverTable: string
  /** False before the first bronze-to-silver run created it. */
  silverExists: boolean
  /** Any column not ok. */
  drift: boolean
  /** Some column would stop the table's next bronze-to-silver run. */
  stops: boolean
  columns: ColumnDiff[]
  /** What to add under tables.<table>.columns in pipeline.yaml so the catalog names the columns silver holds; null when nothing. */
  catalogEntry: string | null
}

export interface SchemaDiff {
  /** Why the source's columns could not be read; null when they were. */
  sourceError: string | null
  tables: TableDiff[]
}

const DECIMAL = /^decimal\((\d+),\s*(\d+)\)$/
const ALIASES: Record<string, string> = {integer: 'int', long: 'bigint', smallint: 'int', tinyint: 'int', short: 'int', byte: 'int', real: 'float'}
// Iceberg's own type names, as metadata.json spells them, in Spark SQL words
const ICEBERG: Record<string, string> = {long: 'bigint', timestamptz: 'timestamp', timestamp: 'timestamp_ntz', timestamp_ns: 'timestamp_ntz', timestamptz_ns: 'timestamp'}
const MAX_DECIMAL_PRECISION = 38
const SCD2 = ['_valid_from', '_valid_to', '_is_current', '_hash', 'operation', '_source_lsn']
export const ALLOWANCE_PREFIX = 'cdc.schema.allow.'
const WATERMARK = 'cdc.watermark'

/** One spelling per Spark SQL type: decimal(12, 2) -> decimal(12,2), integer -> int. */
export function canonical(sparkType: string): string {
  const t = sparkType.trim().toLowerCase().replace(/\s+/g, ' ')
  const m = DECIMAL.exec(t)
  if (m) return `decimal(${Number(m[1])},${Number(m[2])})`
  return ALIASES[t] ?? t
}

/** An Iceberg field type (metadata.json) in Spark SQL words. */
export function fromIceberg(type: string): string {
  const t = type.trim().toLowerCase()
  return canonical(ICEBERG[t] ?? t)
}

/** A Postgres type (format_type's text) -> the Spark SQL type silver gives it, and why it is kept as text if it is. */
export function sourceType(pgType: string, types: Record<string, string> = catalog().source.types): {spark: string; note: string} {
  const text = pgType.trim().toLowerCase().replace(/\s+/g, ' ')
  if (text.endsWith('[]')) return {spark: 'string', note: 'an array: kept as its JSON text'}
  const modifier = /\(([^)]*)\)/.exec(text)
  const base = text.replace(/\([^)]*\)/g, '').replace(/\s+/g, ' ').trim()
  const mapped = types[base]
  if (mapped === 'decimal') {
    if (modifier) {
      const [p, s] = modifier[1].split(',').map((x) => Number(x.trim()))
      if (p <= MAX_DECIMAL_PRECISION) return {spark: `decimal(${p},${s ?? 0})`, note: ''}
      return {spark: 'string', note: `more than ${MAX_DECIMAL_PRECISION} digits: kept as its exact text`}
    }
    return {spark: 'string', note: 'numeric without a precision: kept as its exact text (no decimal type holds every value)'}
  }
  if (mapped) return {spark: canonical(mapped), note: ''}
  return {spark: 'string', note: "no typed decoding of Debezium's JSON for it: kept as the JSON value's text"}
}

/** Iceberg can promote `narrow` to `wide` in place: int -> bigint, float -> double, decimal(p,s) -> decimal(p',s) with p' > p. */
export function promotes(narrow: string, wide: string): boolean {
  const [a, b] = [canonical(narrow), canonical(wide)]
  if ((a === 'int' && b === 'bigint') || (a === 'float' && b === 'double')) return true
  const [da, db] = [DECIMAL.exec(a), DECIMAL.exec(b)]
  return Boolean(da && db && da[2] === db[2] && Number(db[1]) > Number(da[1]))
}

export type Comparison = 'incompatible' | 'narrow' | 'same' | 'widen'

export function compare(silver: string, source: string): Comparison {
  const [a, b] = [canonical(silver), canonical(source)]
  if (a === b) return 'same'
  if (promotes(a, b)) return 'widen'
  if (promotes(b, a)) return 'narrow'
  return 'incompatible'
}

/** What the CLI knows of one table, read from Postgres, silver's metadata and the catalog. */
export interface TableInputs {
  table: string
  spec: TableSpec
  /** column -> Postgres type, in the source's order; null when the source could not be read. */
  source: Record<string, string> | null
  silver: TableMetadata | null
  allowCommand: (column: string, type: string) => string
}

/** The fields silver's newest watermark says it has read in bronze events: field -> source time (ms). */
function bronzeFields(meta: TableMetadata | null): Record<string, number> {
  const wm = meta?.snapshots.find((s) => s.summary[WATERMARK])?.summary[WATERMARK]
  if (!wm) return {}
  try {
    return (JSON.parse(wm) as {bronze_fields?: Record<string, number>}).bronze_fields ?? {}
  } catch {
    return {}
  }
}

/** The drift of one table (pure: tests pass its inputs by hand). */
export function diffTable(inputs: TableInputs): TableDiff {
  const {table, spec, source, silver} = inputs
  const own = new Set([...Object.keys(spec.derived ?? {}), ...SCD2])
  const silverCols = new Map((silver?.fields ?? []).filter((f) => !own.has(f.name)).map((f) => [f.name, {type: fromIceberg(f.type), doc: f.doc}]))
  const allowed = new Map(Object.entries(silver?.properties ?? {}).filter(([k]) => k.startsWith(ALLOWANCE_PREFIX)).map(([k, v]) => [k.slice(ALLOWANCE_PREFIX.length), JSON.parse(v) as {silver: string; source: string}]))
  const seen = bronzeFields(silver)
  const names = [...new Set([...silverCols.keys(), ...Object.keys(spec.columns), ...Object.keys(source ?? {})])]
  const columns = names.map((column): ColumnDiff => {
    const declared = spec.columns[column] ? canonical(spec.columns[column]) : null
    const pg = source?.[column] ?? null
    const mapped = pg ? sourceType(pg) : null
    // before its first run silver does not exist: that run creates it from the catalog, then plans as below
    const now = silver ? silverCols.get(column) : declared ? {type: declared, doc: undefined} : undefined
    const base = {column, catalog: declared, source: pg, sourceAs: mapped?.spark ?? null, bronzeSeen: seen[column] ? new Date(seen[column]).toISOString() : null, silver: silver ? (now?.type ?? null) : null}
    const evolved = now && !declared ? ' (not in the catalog)' : ''
    if (source === null) return {...base, state: now ? 'unknown' : declared ? 'new' : 'unknown', note: now ? 'the source could not be read' : 'the first run creates it from the catalog'}
    if (!pg) return {...base, state: now ? 'dropped' : 'new', note: now ? `no longer in the source: silver keeps it, versions written from now on carry null${evolved}` : 'declared in the catalog, not in the source: the next run adds it'}
    if (!now) {
      if (own.has(column)) return {...base, state: 'stop', note: `named like a column silver adds itself: the next run stops ${table}`}
      return {...base, state: 'new', note: `the next run adds it as ${mapped?.spark}${mapped?.note ? `; ${mapped.note}` : ''}`}
    }
    const kind = compare(now.type, (mapped as {spark: string}).spark)
    if (kind === 'same') return {...base, state: silver ? 'ok' : 'new', note: silver ? (evolved ? `added by schema evolution${evolved}` : '') : `the first run creates ${spec.silver} from the catalog`}
    if (kind === 'widen') return {...base, state: 'widen', note: `the next run widens silver to ${mapped?.spark}`}
    const allowance = allowed.get(column)
    if (allowance && canonical(allowance.silver) === now.type && canonical(allowance.source) === mapped?.spark) {
      return {...base, state: 'allowed', note: `allowed: silver keeps ${now.type}, each value is cast into it`}
    }
    return {...base, state: 'stop', note: `${kind === 'narrow' ? 'narrowed' : 'incompatible'}: the next run stops ${table}; change it back in Postgres or allow it: ${inputs.allowCommand(column, mapped?.spark as string)}`}
  })
  const beyond = columns.filter((c) => c.catalog === null && (c.silver ?? (c.state === 'new' ? c.sourceAs : null)))
  const catalogEntry = beyond.length > 0 ? `tables:\n  ${table}:\n    columns:\n${beyond.map((c) => `      ${c.column}: ${c.silver ?? c.sourceAs}`).join('\n')}` : null
  return {
    table,
    silverTable: spec.silver,
    silverExists: silver !== null,
    drift: columns.some((c) => c.state !== 'ok'),
    stops: columns.some((c) => c.state === 'stop'),
    columns,
    catalogEntry,
  }
}

/** column -> Postgres type of each table, in column order (pg_catalog: tables the role cannot read are listed too). */
export async function sourceColumns(client: Client, schema: string, tables: string[]): Promise<Record<string, Record<string, string>>> {
  const res = await client.query<{table: string; column: string; type: string}>(
    `SELECT c.relname AS table, a.attname AS column,
            CASE WHEN t.typtype = 'e' THEN 'enum'
                 WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)
                 ELSE format_type(a.atttypid, a.atttypmod) END AS type
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
    [schema, tables],
  )
  const out: Record<string, Record<string, string>> = {}
  for (const r of res.rows) (out[r.table] ??= {})[r.column] = r.type
  return out
}

/**
 * The drift of the catalog's tables (all, or `only`): Postgres through the target's credentials,
 * silver's schema and watermark through the target's lake catalog. The source being unreachable is
 * not an error here: the rest is shown, and sourceError says why.
 */
export async function schemaDiff(target: Target, only: string[], allowCommand: (table: string, column: string, type: string) => string): Promise<SchemaDiff> {
  const c = catalog()
  const tables = only.length > 0 ? only : Object.keys(c.tables)
  let source: Record<string, Record<string, string>> | null = null
  let sourceError: string | null = null
  try {
    source = await withPostgres(await target.dbCredentials(), (client) => sourceColumns(client, c.source.schema, tables))
  } catch (error) {
    sourceError = firstLine((error as Error).message)
  }
  const metas = await Promise.all(tables.map((t) => target.lakeTable(c.tables[t].silver)))
  return {
    sourceError,
    tables: tables.map((table, i) => diffTable({
      table,
      spec: c.tables[table],
      source: source ? (source[table] ?? {}) : null,
      silver: metas[i],
      allowCommand: (column, type) => allowCommand(table, column, type),
    })),
  }
}
