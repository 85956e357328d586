import {expect} from 'chai'

import {snapshotProgress} from '../../src/lib/connect/snapshot'

describe('incremental snapshot progress', () => {
  it('is idle when the offset carries no snapshot state', () => {
    expect(snapshotProgress([{offset: {lsn: 1}}]).running).to.equal(false)
  })

  it('reads the tables and keys Debezium keeps in the source offset', () => {
    const p = snapshotProgress([
      {offset: {lsn: 5, incremental_snapshot_collections: '[{"incremental_snapshot_collections_id":"public.users","incremental_snapshot_collections_additional_condition":null}]', incremental_snapshot_primary_key: '[40]', incremental_snapshot_maximum_key: '[90]'}},
    ])
    expect(p).to.deep.equal({running: true, tables: ['public.users'], lastKey: '[40]', maxKey: '[90]'})
  })
})
