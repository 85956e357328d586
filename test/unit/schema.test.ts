import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect} from 'chai'

import {catalog} from '../../src/lib/catalog'
import type {TableMetadata} from '../../src/lib/lake'
import {compare, diffTable, fromIceberg, sourceType} from '../../src/lib/schema'
import {ROOT} from '../helpers/cli'

interface Cases {
  source_types: {pg: string; spark: string; exact: boolean}[]
  comparisons: {silver: string; source: string; kind: string}[]
}

const CASES = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'schema-type-cases.json'), 'utf8')) as Cases
const USERS = catalog().tables.users
const PG_USERS = {id: 'bigint', email: 'text', full_name: 'text', country: 'text', created_at: 'timestamp with time zone', updated_at: 'timestamp with time zone'}
const ICEBERG_USERS = [
  {name: 'id', type: 'long'}, {name: 'email', type: 'string'}, {name: 'full_name', type: 'string'}, {name: 'country', type: 'string'},
  {name: 'created_at', type: 'timestamptz'}, {name: 'updated_at', type: 'timestamptz'},
  {name: 'email_domain', type: 'string'}, {name: '_valid_from', type: 'timestamptz'}, {name: '_valid_to', type: 'timestamptz'},
  {name: '_is_current', type: 'boolean'}, {name: '_hash', type: 'string'}, {name: 'operation', type: 'string'}, {name: '_source_lsn', type: 'long'},
]

function silver(extra: {name: string; type: string}[] = [], properties: Record<string, string> = {}, watermark?: object): TableMetadata {
  const fields = [...ICEBERG_USERS.slice(0, 6), ...extra, ...ICEBERG_USERS.slice(6)]
  const snapshots = watermark ? [{id: '2', committedAt: '2026-12-01T00:00:00.000Z', summary: {'cdc.watermark': JSON.stringify(watermark)}}] : []
  return {location: 'file:///lake/silver_users', snapshots, fields, properties}
}

const diff = (source: Record<string, string> | null, meta: TableMetadata | null) =>
  diffTable({table: 'users', spec: USERS, source, silver: meta, allowCommand: (c, t) => `ALLOW users.${c}:${t}`})
const states = (d: ReturnType<typeof diff>) => Object.fromEntries(d.columns.filter((c) => c.state !== 'ok').map((c) => [c.column, c.state]))

describe('schema drift (src/lib/schema.ts), classified as the bronze-to-silver job does', () => {
  for (const c of CASES.source_types) {
    it(`maps Postgres ${c.pg} to ${c.spark}`, () => {
      const t = sourceType(c.pg)
      expect([t.spark, t.note === '']).to.deep.equal([c.spark, c.exact])
    })
  }

  it('classifies every type change of the shared cases like cdc_lake.schema', () => {
    const got = CASES.comparisons.map((c) => `${c.silver} -> ${c.source}: ${compare(c.silver, c.source)}`)
    expect(got).to.deep.equal(CASES.comparisons.map((c) => `${c.silver} -> ${c.source}: ${c.kind}`))
  })

  it('reads Iceberg\'s type names in Spark SQL words', () => {
    expect(['long', 'int', 'timestamptz', 'timestamp', 'decimal(12, 2)', 'string'].map(fromIceberg)).to.deep.equal(['bigint', 'int', 'timestamp', 'timestamp_ntz', 'decimal(12,2)', 'string'])
  })

  it('shows no drift when source, catalog and silver agree, and the fields silver read in bronze', () => {
    const d = diff(PG_USERS, silver([], {}, {bronze_snapshot_id: 1, bronze_fields: {id: Date.UTC(2026, 11, 1), email: Date.UTC(2026, 11, 2)}}))
    expect([d.drift, d.stops, d.catalogEntry]).to.deep.equal([false, false, null])
    expect(d.columns.map((c) => c.column)).to.deep.equal(Object.keys(PG_USERS))
    expect(d.columns.find((c) => c.column === 'email')?.bronzeSeen).to.equal('2026-12-02T00:00:00.000Z')
    expect(d.columns.find((c) => c.column === 'country')?.bronzeSeen).to.equal(null)
  })

  it('marks a new source column, a wider type and a dropped column, and prints the catalog entry of the new one', () => {
    const source: Record<string, string> = {...PG_USERS, id: 'bigint', tier: 'text'}
    delete source.country
    const d = diff(source, silver([{name: 'visits', type: 'int'}]))
    expect(states(d)).to.deep.equal({country: 'dropped', visits: 'dropped', tier: 'new'})
    const widened = diff({...PG_USERS, visits: 'bigint'}, silver([{name: 'visits', type: 'int'}]))
    expect(states(widened)).to.deep.equal({visits: 'widen'})
    expect(widened.catalogEntry).to.equal('tables:\n  users:\n    columns:\n      visits: int')
    expect(d.catalogEntry).to.equal('tables:\n  users:\n    columns:\n      visits: int\n      tier: string')
  })

  it('marks a narrowing as a stop naming the command that allows it, and an allowed one as allowed', () => {
    const d = diff({...PG_USERS, visits: 'integer'}, silver([{name: 'visits', type: 'long'}]))
    expect([states(d), d.stops]).to.deep.equal([{visits: 'stop'}, true])
    expect(d.columns.find((c) => c.column === 'visits')?.note).to.match(/^narrowed: the next run stops users; .*ALLOW users\.visits:int$/)
    const allowed = diff({...PG_USERS, visits: 'integer'}, silver([{name: 'visits', type: 'long'}], {'cdc.schema.allow.visits': JSON.stringify({silver: 'bigint', source: 'int', run: 'r'})}))
    expect([states(allowed), allowed.stops]).to.deep.equal([{visits: 'allowed'}, false])
  })

  it('without the source, shows silver and the catalog and calls nothing ok', () => {
    const d = diff(null, silver())
    expect(d.columns.every((c) => c.state === 'unknown' && c.source === null)).to.equal(true)
  })
})
