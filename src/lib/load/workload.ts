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

  /** `count` distinct ids of a table for one multi-row update: with `hot` (0..1) that share of them from the hot end, the newest 1% of the pool. */
  pickMany(rng: Rng, table: 'orders' | 'products' | 'users', count: number, hot: number): number[] {
    const pool = this[table]
    const out = new Set<number>()
    const hotSize = Math.max(1, Math.ceil(pool.length / 100))
    for (let tries = 0; out.size < count && tries < count * 3 && pool.length > 0; tries++) {
      const fromHot = rng() < hot
      out.add(fromHot ? pool[pool.length - 1 - Math.floor(rng() * hotSize)] : pool[Math.floor(rng() * pool.length)])
    }
    return [...out]
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

/** How a transaction's updates pick their rows: each update statement changes `rowsPerUpdate` rows, `hot` (0..1) of them among the newest 1% of a table's ids. */
export interface Shape {
  rowsPerUpdate: number
  hot: number
}

const SINGLE: Shape = {rowsPerUpdate: 1, hot: 0}

/**
 * Updates of many rows in one statement (a batch job's shape): every row changes, so each is one
 * change event; `id = ANY($1)` keeps the statement's text fixed whatever the rows.
 */
function bulkUpdate(rng: Rng, pools: Pools, shape: Shape, n: () => number): Statement | undefined {
  const r = rng()
  const table = r < 0.3 ? 'users' : r < 0.5 ? 'products' : 'orders'
  const ids = pools.pickMany(rng, table, shape.rowsPerUpdate, shape.hot)
  if (ids.length === 0) return undefined
  if (table === 'users') return {table, op: 'update', sql: 'UPDATE public.users SET full_name = $2 || id, country = $3, updated_at = now() WHERE id = ANY($1::bigint[])', params: [ids, `Load User ${n()}-`, choose(rng, COUNTRIES)]}
  if (table === 'products') return {table, op: 'update', sql: 'UPDATE public.products SET price = $2, status = $3, updated_at = now() WHERE id = ANY($1::bigint[])', params: [ids, money(rng, 400), choose(rng, PRODUCT_STATUS)]}
  return {table, op: 'update', sql: 'UPDATE public.orders SET status = $2, quantity = quantity % 5 + 1, updated_at = now() WHERE id = ANY($1::bigint[])', params: [ids, choose(rng, ORDER_STATUS)]}
}

/** One transaction: 1..maxRows statements. `n` numbers the workload's rows, for unique e-mails. */
export function transaction(rng: Rng, pools: Pools, tag: string, n: () => number, maxRows: number, shape: Shape = SINGLE): Statement[] {
  const out: Statement[] = []
  const rows = 1 + Math.floor(rng() * maxRows)
  for (let i = 0; i < rows; i++) {
    if (shape.rowsPerUpdate > 1 && rng() < 0.5) {
      const bulk = bulkUpdate(rng, pools, shape, n)
      if (bulk) {
        out.push(bulk)
        continue
      }
    }
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
      const hotUser = shape.hot > 0 && rng() < shape.hot ? pools.pickMany(rng, 'users', 1, 1)[0] : user
      out.push({table: 'users', op: 'update', sql: 'UPDATE public.users SET full_name = $2, country = $3, updated_at = now() WHERE id = $1', params: [hotUser, `Load User ${n()}`, choose(rng, COUNTRIES)]})
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
