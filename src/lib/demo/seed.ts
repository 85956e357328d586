import type {Client} from 'pg'

/** Row changes the demo made, per table and operation. */
export type ChangeCounts = Record<string, {inserted: number; updated: number; deleted: number}>

const COUNTRIES = ['IN', 'US', 'DE', 'BR', 'JP']
const CATEGORIES = ['books', 'electronics', 'garden', 'toys']

/** Round one: users, products and orders, with a few orders large enough for the VIP and Loyal segments. */
export async function seedRound(client: Client, tag: string): Promise<ChangeCounts> {
  await client.query('BEGIN')
  const users = await client.query<{id: string}>(
    `INSERT INTO users (email, full_name, country)
       SELECT 'user' || g || '.${tag}@example.' || (ARRAY['com','org','net'])[1 + g % 3], 'User ' || g, (ARRAY[${COUNTRIES.map((c) => `'${c}'`).join(',')}])[1 + g % 5]
         FROM generate_series(1, 12) g RETURNING id`,
  )
  const products = await client.query<{id: string}>(
    `INSERT INTO products (name, category, price, status, description)
       SELECT 'Product ' || g || ' ${tag}', (ARRAY[${CATEGORIES.map((c) => `'${c}'`).join(',')}])[1 + g % 4], (g * 37 % 400) + 9.99,
              CASE WHEN g % 7 = 0 THEN 'inactive' ELSE 'active' END, repeat('long description ', 200)
         FROM generate_series(1, 8) g RETURNING id`,
  )
  const u = users.rows.map((r) => r.id)
  const p = products.rows.map((r) => r.id)
  let orders = 0
  for (let i = 0; i < 40; i++) {
    const user = u[(i * 7) % u.length]
    const product = p[(i * 3) % p.length]
    const quantity = 1 + (i % 4)
    await client.query(
      `INSERT INTO orders (user_id, product_id, quantity, total_amount, status, order_date)
         SELECT $1, $2, $3::int, price * $3::int, 'pending', now() - ($4 || ' days')::interval FROM products WHERE id = $2`,
      [user, product, quantity, String(i % 5)],
    )
    orders++
  }
  await client.query('COMMIT')
  return {users: {inserted: u.length, updated: 0, deleted: 0}, products: {inserted: p.length, updated: 0, deleted: 0}, orders: {inserted: orders, updated: 0, deleted: 0}}
}

/** Round two: updates and deletes over what round one made, including several changes to one row. */
export async function changeRound(client: Client, tag: string): Promise<{counts: ChangeCounts; historyUserId: string}> {
  const like = `%.${tag}@%`
  const users = await client.query(`UPDATE users SET country = 'FR', updated_at = now() WHERE email LIKE $1 AND id % 3 = 0`, [like])
  const twice = await client.query(`UPDATE users SET full_name = full_name || ' Jr.', updated_at = now() WHERE email LIKE $1 AND id % 3 = 0`, [like])
  const products = await client.query(`UPDATE products SET price = price * 1.10, updated_at = now() WHERE name LIKE $1 AND id % 2 = 0`, [`% ${tag}`])
  const discontinued = await client.query(`UPDATE products SET status = 'discontinued', updated_at = now() WHERE name LIKE $1 AND id % 5 = 0`, [`% ${tag}`])
  const shipped = await client.query(
    `UPDATE orders SET status = 'shipped', updated_at = now() WHERE user_id IN (SELECT id FROM users WHERE email LIKE $1) AND id % 2 = 0`,
    [like],
  )
  const deletedOrders = await client.query(
    `DELETE FROM orders WHERE id IN (SELECT o.id FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email LIKE $1 AND o.id % 9 = 0)`,
    [like],
  )
  // A user with no orders left can be deleted; pick the last one and remove its orders first.
  const victim = await client.query<{id: string}>(`SELECT id FROM users WHERE email LIKE $1 ORDER BY id DESC LIMIT 1`, [like])
  let deletedUsers = 0
  let victimOrders = 0
  if (victim.rowCount) {
    victimOrders = (await client.query('DELETE FROM orders WHERE user_id = $1', [victim.rows[0].id])).rowCount ?? 0
    deletedUsers = (await client.query('DELETE FROM users WHERE id = $1', [victim.rows[0].id])).rowCount ?? 0
  }
  // A user updated twice in this round: three versions in its SCD2 history.
  const historyUser = await client.query<{id: string}>(`SELECT id FROM users WHERE email LIKE $1 AND id % 3 = 0 ORDER BY id LIMIT 1`, [like])
  return {
    counts: {
      users: {inserted: 0, updated: (users.rowCount ?? 0) + (twice.rowCount ?? 0), deleted: deletedUsers},
      products: {inserted: 0, updated: (products.rowCount ?? 0) + (discontinued.rowCount ?? 0), deleted: 0},
      orders: {inserted: 0, updated: shipped.rowCount ?? 0, deleted: (deletedOrders.rowCount ?? 0) + victimOrders},
    },
    historyUserId: historyUser.rows[0]?.id ?? '1',
  }
}
