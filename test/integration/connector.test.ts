import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Profile} from '../../src/lib/config'
import {resolveTarget} from '../../src/lib/targets'
import {withPostgres} from '../../src/lib/postgres'
import {tailTopic} from '../../src/lib/kafka'
import {cdcctl, isOneLineError, json, ROOT} from '../helpers/cli'
import {localStack, localPassword} from '../helpers/stack'

const overrides = (props: Record<string, string>): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'cdcctl-over-')), 'overrides.json')
  writeFileSync(file, JSON.stringify(props))
  return file
}

describe('connector against real Postgres, Kafka and Connect + Debezium', function () {
  this.timeout(240_000)
  let profile: Profile

  before(async () => {
    profile = await localStack()
  })

  it('registers idempotently: created or updated, then updated, RUNNING both times', async () => {
    const first = json<{result: {action: string; state: string}}>(await cdcctl(['connector', 'register', '--json']))
    expect(first.result.state).to.equal('RUNNING')
    const second = json<{result: {action: string; state: string; tasks: {state: string}[]}}>(await cdcctl(['connector', 'register', '--json']))
    expect(second.result.action).to.equal('updated')
    expect(second.result.tasks.map((t) => t.state)).to.deep.equal(['RUNNING'])
  })

  it('delivers an insert, update and delete as c/u/d events on cdc.db.users keyed by id', async () => {
    const target = resolveTarget({profile: 'local'})
    const id = await withPostgres(await target.dbCredentials(), async (c) => {
      const email = `it-${Date.now()}@example.com`
      const row = await c.query<{id: string}>(`INSERT INTO users (email, full_name, country) VALUES ($1, 'It', 'IN') RETURNING id`, [email])
      await c.query(`UPDATE users SET country = 'DE' WHERE id = $1`, [row.rows[0].id])
      await c.query(`DELETE FROM users WHERE id = $1`, [row.rows[0].id])
      return Number(row.rows[0].id)
    })
    const events = (await tailTopic(profile.kafka.brokers, 'cdc.db.users', {fromBeginning: true, idleMs: 8000})).filter((e) => (e.key as {id: number}).id === id)
    expect(events.map((e) => e.op)).to.deep.equal(['c', 'u', 'd', 'tombstone'])
    // REPLICA IDENTITY DEFAULT (runtime/postgres/schema.sql): an update sends no before image, a delete the key
    expect(events[1].changed.country).to.deep.equal({before: null, after: 'DE'})
    expect(events[2].changed).to.deep.equal({})
    expect(new Set(events.map((e) => e.partition)).size).to.equal(1) // one key, one partition: order kept
  })

  it('pauses and resumes', async () => {
    expect(json<{result: {state: string}}>(await cdcctl(['connector', 'pause', '--json'])).result.state).to.equal('PAUSED')
    expect(json<{result: {state: string}}>(await cdcctl(['connector', 'status', '--json'])).result.state).to.equal('PAUSED')
    expect(json<{result: {state: string}}>(await cdcctl(['connector', 'resume', '--json'])).result.state).to.equal('RUNNING')
  })

  it('restarts with its tasks, and failed-only', async () => {
    const res = json<{result: {state: string; tasks: {state: string}[]}}>(await cdcctl(['connector', 'restart', '--include-tasks', '--json']))
    expect(res.result.state).to.equal('RUNNING')
    expect(res.result.tasks.every((t) => t.state === 'RUNNING')).to.equal(true)
    expect((await cdcctl(['connector', 'restart', '--failed-only'])).code).to.equal(0)
  })

  it('lists it and shows its committed offsets', async () => {
    const list = json<{result: {connectors: {name: string; state: string}[]}}>(await cdcctl(['connector', 'list', '--json']))
    expect(list.result.connectors).to.deep.include({name: 'cdc-postgres', state: 'RUNNING', tasks: '0:RUNNING'})
    const offsets = json<{result: {offsets: {offset: {lsn?: number}}[]}}>(await cdcctl(['connector', 'offsets', '--json']))
    expect(offsets.result.offsets[0].offset.lsn).to.be.a('number')
  })

  it('refuses to delete without confirmation, deletes with it, and registers again', async () => {
    const refused = await cdcctl(['connector', 'delete'])
    expect(refused.code).to.equal(2)
    expect(isOneLineError(refused.stderr), refused.stderr).to.equal(true)
    const deleted = json<{result: {deleted: boolean}}>(await cdcctl(['connector', 'delete', '--confirm', 'cdc-postgres', '--json']))
    expect(deleted.result.deleted).to.equal(true)
    expect(json<{result: {connectors: unknown[]}}>(await cdcctl(['connector', 'list', '--json'])).result.connectors).to.deep.equal([])
    expect(json<{result: {action: string; state: string}}>(await cdcctl(['connector', 'register', '--json'])).result).to.include({action: 'created', state: 'RUNNING'})
  })

  it('starts an incremental snapshot through the signal table', async () => {
    const res = json<{result: {tables: string[]; signalId: string}}>(await cdcctl(['connector', 'snapshot', 'products', '--json']))
    expect(res.result.tables).to.deep.equal(['public.products'])
    const target = resolveTarget({profile: 'local'})
    const rows = await withPostgres(await target.dbCredentials(), (c) => c.query('SELECT type FROM debezium_signal WHERE id = $1', [res.result.signalId]))
    expect(rows.rows[0].type).to.equal('execute-snapshot')
    const unknown = await cdcctl(['connector', 'snapshot', 'nope'])
    expect(unknown.code).to.equal(2)
    expect(isOneLineError(unknown.stderr)).to.equal(true)
  })

  describe('a bad config gives a one-line error, a non-zero exit and no stack trace', () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['a user the database does not know', {'database.user': 'nobody'}, /password authentication failed|role "nobody" does not exist/],
      ['a literal password, which Connect would store and show', {'database.password': 'not-the-password'}, /sets database\.password to a value/],
      ['unknown table', {'table.include.list': 'public.users,public.nope'}, /public\.nope/],
      ['bad slot name', {'slot.name': 'Bad-Slot'}, /slot\.name/],
    ]
    for (const [name, props, message] of cases) {
      it(name, async () => {
        const res = await cdcctl(['connector', 'register', '--config', overrides(props)])
        expect(res.code).to.equal(2)
        expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
        expect(res.stderr).to.match(message)
        expect(res.stdout).to.equal('')
      })
    }

    it('never prints the real password, even in the error', async () => {
      const res = await cdcctl(['connector', 'register', '--config', overrides({'database.user': 'nobody'}), '--verbose'])
      expect(res.stderr + res.stdout).to.not.contain(localPassword(profile))
    })
  })

  it('keeps the password out of Kafka Connect: its REST API shows a config-provider reference', async () => {
    json(await cdcctl(['connector', 'register', '--json']))
    const stored = await (await fetch(`${profile.connect.url}/connectors/${profile.connect.connector}/config`)).text()
    expect(stored).to.not.contain(localPassword(profile))
    expect((JSON.parse(stored) as Record<string, string>)['database.password']).to.match(/^\$\{file:.+:password\}$/)
    const status = json<{result: {state: string}}>(await cdcctl(['connector', 'status', '--json']))
    expect(status.result.state).to.equal('RUNNING')
  })

  after(async () => {
    // Leave the connector as other suites expect it (when the stack started at all).
    if (profile) await cdcctl(['connector', 'register'], {cwd: ROOT})
  })
})
