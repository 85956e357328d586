/**
 * A seeded workload over the source tables: the same seed gives the same sequence of transactions
 * (inserts, updates and deletes, several rows per transaction, orders referring to users and
 * products), whatever the database answers. Pure: statements are built here and run by run.ts.
 */

export interface Statement {
  table: string
  op: 'delete' | 'insert' | 'update'
  sql: string
  params: unknown[]
  /** For inserts: the pool the new id joins. */
  returnsId?: boolean
}

export type Rng = () => number

/** mulberry32: a small, fast PRNG with a 32-bit seed; plenty for a workload. */
export function seeded(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const COUNTRIES = ['IN', 'DE', 'FR', 'US', 'BR', 'JP', 'PT', 'ZA', null]
const CATEGORIES = ['books', 'garden', 'kitchen', 'toys', 'tools']
const PRODUCT_STATUS = ['active', 'active', 'active', 'inactive', 'discontinued']
const ORDER_STATUS = ['pending', 'paid', 'shipped', 'refunded', 'closed']

/** Ids the workload may touch: rows it found or inserted. Orders refer to users and products, so those with orders are never deleted. */
export class Pools {
  readonly users: number[] = []
  readonly products: number[] = []
  readonly orders: number[] = []
  readonly referenced = new Set<string>()

  pick(rng: Rng, table: 'orders' | 'products' | 'users'): number | undefined {
    const pool = this[table]
    return pool.length === 0 ? undefined : pool[Math.floor(rng() * pool.length)]
  }

  /** A row nothing refers to, taken out of its pool (it is about to be deleted). */
  takeUnreferenced(rng: Rng, table: 'orders' | 'products' | 'users'): number | undefined {
    const pool = this[table]
    for (let tries = 0; tries < 5 && pool.length > 0; tries++) {
      const i = Math.floor(rng() * pool.length)
      if (table === 'orders' || !this.referenced.has(`${table}:${pool[i]}`)) return pool.splice(i, 1)[0]
    }
    return undefined
  }
}

const choose = <T>(rng: Rng, items: T[]): T => items[Math.floor(rng() * items.length)]
const money = (rng: Rng, max: number): string => (Math.round(rng() * max * 100) / 100 + 1).toFixed(2)

/** One transaction: 1..maxRows statements. `n` numbers the workload's rows, for unique e-mails. */
export function transaction(rng: Rng, pools: Pools, tag: string, n: () => number, maxRows: number): Statement[] {
  const out: Statement[] = []
  const rows = 1 + Math.floor(rng() * maxRows)
  for (let i = 0; i < rows; i++) {
    const r = rng()
    const user = pools.pick(rng, 'users')
    const product = pools.pick(rng, 'products')
    if (r < 0.12 || user === undefined) {
      out.push({table: 'users', op: 'insert', returnsId: true, sql: 'INSERT INTO public.users (email, full_name, country) VALUES ($1, $2, $3) RETURNING id', params: [`${tag}-${n()}@load.example`, `Load User ${n()}`, choose(rng, COUNTRIES)]})
    } else if (r < 0.2 || product === undefined) {
      const description = rng() < 0.1 ? 'd'.repeat(3000) : null
      out.push({table: 'products', op: 'insert', returnsId: true, sql: 'INSERT INTO public.products (name, category, price, status, description) VALUES ($1, $2, $3, $4, $5) RETURNING id', params: [`${tag} item ${n()}`, choose(rng, CATEGORIES), money(rng, 400), choose(rng, PRODUCT_STATUS), description]})
    } else if (r < 0.45) {
      const quantity = 1 + Math.floor(rng() * 5)
      pools.referenced.add(`users:${user}`)
      pools.referenced.add(`products:${product}`)
      out.push({table: 'orders', op: 'insert', returnsId: true, sql: `INSERT INTO public.orders (user_id, product_id, quantity, total_amount, status, order_date) VALUES ($1, $2, $3, $4, $5, now() - make_interval(days => $6::int)) RETURNING id`, params: [user, product, quantity, money(rng, 300 * quantity), choose(rng, ORDER_STATUS), Math.floor(rng() * 30)]})
    } else if (r < 0.6) {
      out.push({table: 'users', op: 'update', sql: 'UPDATE public.users SET full_name = $2, country = $3, updated_at = now() WHERE id = $1', params: [user, `Load User ${n()}`, choose(rng, COUNTRIES)]})
    } else if (r < 0.72) {
      out.push({table: 'products', op: 'update', sql: 'UPDATE public.products SET price = $2, status = $3, updated_at = now() WHERE id = $1', params: [product, money(rng, 400), choose(rng, PRODUCT_STATUS)]})
    } else if (r < 0.9) {
      const order = pools.pick(rng, 'orders')
      if (order !== undefined) out.push({table: 'orders', op: 'update', sql: 'UPDATE public.orders SET status = $2, quantity = $3, total_amount = $4, updated_at = now() WHERE id = $1', params: [order, choose(rng, ORDER_STATUS), 1 + Math.floor(rng() * 5), money(rng, 900)]})
    } else if (r < 0.97) {
      const order = pools.takeUnreferenced(rng, 'orders')
      if (order !== undefined) out.push({table: 'orders', op: 'delete', sql: 'DELETE FROM public.orders WHERE id = $1', params: [order]})
    } else {
      const table = rng() < 0.5 ? 'users' : 'products'
      const id = pools.takeUnreferenced(rng, table)
      // a row another writer gave an order in the meantime stays: NOT EXISTS keeps the delete legal
      if (id !== undefined) out.push({table, op: 'delete', sql: `DELETE FROM public.${table} t WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM public.orders o WHERE o.${table === 'users' ? 'user_id' : 'product_id'} = t.id)`, params: [id]})
    }
  }
  return out
}
