import {expect} from 'chai'

import {Pools, seeded, transaction} from '../../src/lib/load/workload'

const run = (seed: number, n: number): string[] => {
  const rng = seeded(seed)
  const pools = new Pools()
  pools.users.push(1, 2, 3)
  pools.products.push(10, 11)
  pools.orders.push(100, 101)
  let counter = 0
  const out: string[] = []
  for (let i = 0; i < n; i++) for (const s of transaction(rng, pools, 't', () => ++counter, 4)) out.push(`${s.op} ${s.table} ${JSON.stringify(s.params)}`)
  return out
}

describe('the seeded workload', () => {
  it('gives the same statements for the same seed, and others for another', () => {
    expect(run(7, 50)).to.deep.equal(run(7, 50))
    expect(run(7, 50)).to.not.deep.equal(run(8, 50))
  })

  it('mixes inserts, updates and deletes over the three tables, several per transaction', () => {
    const statements = run(1, 400)
    for (const kind of ['insert users', 'insert products', 'insert orders', 'update users', 'update products', 'update orders', 'delete orders']) {
      expect(statements.some((s) => s.startsWith(kind)), kind).to.equal(true)
    }
    expect(statements.length).to.be.greaterThan(400)
  })

  it('never deletes a user or product an order it made refers to', () => {
    const rng = seeded(3)
    const pools = new Pools()
    pools.users.push(1)
    pools.products.push(2)
    pools.referenced.add('users:1').add('products:2')
    for (let i = 0; i < 300; i++) {
      for (const s of transaction(rng, pools, 't', () => i, 3)) if (s.op === 'delete') expect(s.table).to.equal('orders')
    }
  })

  it('with a bulk shape, updates many distinct rows in one statement, most of them hot when asked', () => {
    const rng = seeded(5)
    const pools = new Pools()
    for (let id = 1; id <= 10_000; id++) pools.users.push(id), pools.products.push(id), pools.orders.push(id)
    let counter = 0
    const bulk = []
    for (let i = 0; i < 200; i++) bulk.push(...transaction(rng, pools, 't', () => ++counter, 3, {rowsPerUpdate: 100, hot: 0.9}).filter((s) => Array.isArray(s.params[0])))
    expect(bulk.length).to.be.greaterThan(50)
    for (const s of bulk) {
      const ids = s.params[0] as number[]
      expect(new Set(ids).size).to.equal(ids.length)
      expect(ids.length).to.be.within(90, 100)
    }
    const ids = bulk.flatMap((s) => s.params[0] as number[])
    expect(ids.filter((id) => id > 9_900).length / ids.length).to.be.greaterThan(0.5)
  })
})
