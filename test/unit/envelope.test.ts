import {expect} from 'chai'

import {formatChange, summarize} from '../../src/lib/envelope'

const env = (op: string, before: unknown, after: unknown): string => JSON.stringify({op, before, after, source: {table: 'users', lsn: 42}, ts_ms: 1})

describe('Debezium envelope summary', () => {
  it('lists only the columns an update changed', () => {
    const s = summarize('cdc.db.users', 0, '7', '{"id":1}', env('u', {id: 1, email: 'a@x', country: 'IN'}, {id: 1, email: 'a@x', country: 'US'}))
    expect(s.op).to.equal('u')
    expect(s.key).to.deep.equal({id: 1})
    expect(s.changed).to.deep.equal({country: {before: 'IN', after: 'US'}})
    expect(formatChange(s)).to.contain('country: "IN" -> "US"')
  })

  it('shows every column of an insert, and of an update that came without a before image', () => {
    expect(Object.keys(summarize('t', 0, '1', '{"id":1}', env('c', null, {id: 1, email: 'a'})).changed)).to.deep.equal(['id', 'email'])
    const update = summarize('t', 0, '2', '{"id":1}', env('u', null, {id: 1, email: 'b'}))
    expect(update.changed).to.deep.equal({id: {before: null, after: 1}, email: {before: null, after: 'b'}})
    expect(formatChange(update)).to.match(/update users key=\{"id":1\} id=1, email="b"$/)
  })

  it('names a delete by its key alone: under REPLICA IDENTITY DEFAULT its other columns are type zeros', () => {
    const s = summarize('t', 0, '3', '{"id":1}', env('d', {id: 1, email: '', created_at: '1970-01-01T00:00:00Z'}, null))
    expect(s.changed).to.deep.equal({})
    expect(formatChange(s)).to.match(/delete users key=\{"id":1\}$/)
  })

  it('recognises tombstones and unparseable values', () => {
    expect(summarize('t', 0, '3', '{"id":1}', null).tombstone).to.equal(true)
    expect(summarize('t', 0, '4', '{"id":1}', '{not json').op).to.equal('unparseable')
  })
})
