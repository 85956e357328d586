/**
 * Postgres -> Kafka against its peer, on the same WAL: the connector is stopped, the seeded workload
 * writes a backlog of changes, and a second pgoutput slot (bench_decode) is created just before it.
 * Then the connector is resumed and its topics' end offsets are watched until every change (and each
 * delete's tombstone) is there; then pg_recvlogical streams the same changes from the peer slot.
 * Both figures are changes per second over the same transactions.
 */
import {spawn} from 'node:child_process'

import {topics as catalogTopics} from '../../src/lib/catalog'
import {registerConnector, waitForRunning} from '../../src/lib/connect/register'
import {withAdmin} from '../../src/lib/kafka'
import {runLoad, type LoadResult} from '../../src/lib/load/run'
import {sleep} from '../../src/lib/poll'
import {type Ctx, load1, log, type Sample, sql} from './common'

export const PEER_SLOT = 'bench_decode'

export interface CaptureRun {
  changes: number
  connector: Sample
  /** From resume until the last change was in Kafka (task start included). */
  connectorWithStart: Sample
  decode: Sample
  walBytes: number
}

async function endOffsets(ctx: Ctx): Promise<number> {
  return withAdmin(ctx.target.kafkaBrokers(), async (admin) => {
    let sum = 0
    for (const t of catalogTopics()) for (const o of await admin.fetchTopicOffsets(t)) sum += Number(o.high)
    return sum
  })
}

async function connectorState(ctx: Ctx, name: string): Promise<string | undefined> {
  return (await ctx.target.connect().status(name))?.connector.state
}

export async function setConnectorState(ctx: Ctx, state: 'resume' | 'stop'): Promise<void> {
  const name = ctx.profile.connect.connector
  const client = ctx.target.connect()
  await client.request('PUT', `/connectors/${name}/${state}`, undefined, [202, 204])
  const want = state === 'stop' ? 'STOPPED' : 'RUNNING'
  for (let i = 0; i < 600 && (await connectorState(ctx, name)) !== want; i++) await sleep(100)
}

/** pg_recvlogical from the peer slot up to `endLsn`; resolves with the seconds it streamed. */
function recvlogical(ctx: Ctx, endLsn: string): Promise<number> {
  const {host, port, database, username, password} = ctx.superuser
  const args = ['-h', host, '-p', String(port), '-U', username, '-d', database, '--slot', PEER_SLOT, '--start', '--endpos', endLsn,
    '-o', 'proto_version=1', '-o', `publication_names=${ctx.profile.connect.publication}`, '--no-loop', '-f', '/dev/null']
  const t = process.hrtime.bigint()
  return new Promise((resolve, reject) => {
    const child = spawn('pg_recvlogical', args, {env: {...process.env, PGPASSWORD: password.reveal()}, stdio: ['ignore', 'ignore', 'pipe']})
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t) / 1e9) : reject(new Error(`pg_recvlogical exited ${code}: ${err.trim()}`))))
  })
}

export async function dropPeerSlot(ctx: Ctx): Promise<void> {
  await sql(ctx.superuser, 'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [PEER_SLOT])
}

/** The workload the capture runs write: multi-row updates (half of the statements), hot keys, inserts and deletes, as fast as Postgres takes them. */
export async function writeBacklog(ctx: Ctx, seed: number, changes: number): Promise<LoadResult> {
  return runLoad(ctx.db, {seed, durationSec: 600, rate: 0, maxRows: 4, shape: {rowsPerUpdate: 2000, hot: 0.2}, maxChanges: changes, poolSize: 50_000})
}

export async function ensureConnector(ctx: Ctx): Promise<void> {
  await registerConnector(ctx.target)
  await waitForRunning(ctx.target.connect(), ctx.profile.connect.connector, 120_000)
}

export async function captureRun(ctx: Ctx, seed: number, changes: number): Promise<CaptureRun> {
  const name = ctx.profile.connect.connector
  // the connector has caught up with everything before this run
  const settle = await endOffsets(ctx)
  await sleep(1500)
  if ((await endOffsets(ctx)) !== settle) await sleep(5000)
  await setConnectorState(ctx, 'stop')
  await dropPeerSlot(ctx)
  await sql(ctx.superuser, "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [PEER_SLOT])
  const [{lsn: startLsn}] = await sql<{lsn: string}>(ctx.superuser, 'SELECT pg_current_wal_lsn()::text AS lsn')
  const before = await endOffsets(ctx)
  const written = await writeBacklog(ctx, seed, changes)
  const deletes = Object.values(written.byTable).reduce((n, c) => n + c.deletes, 0)
  const expected = before + written.changes + deletes
  const [{lsn: endLsn, bytes}] = await sql<{lsn: string; bytes: string}>(ctx.superuser, 'SELECT pg_current_wal_lsn()::text AS lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes', [startLsn])
  log(`backlog: ${written.changes} changes (${deletes} deletes) in ${written.durationSec}s, ${(Number(bytes) / 2 ** 20).toFixed(0)} MiB of WAL`)

  const resumed = Date.now()
  await setConnectorState(ctx, 'resume')
  let first: number | undefined
  let last = 0
  for (;;) {
    const now = await endOffsets(ctx)
    if (first === undefined && now > before) first = Date.now()
    if (now >= expected) {
      last = Date.now()
      break
    }
    if (Date.now() - resumed > 600_000) throw new Error(`the connector did not deliver ${expected - before} records within 10 minutes (${now - before} so far)`)
    await sleep(50)
  }
  if ((await connectorState(ctx, name)) !== 'RUNNING') throw new Error('the connector is not RUNNING after the capture run')
  const load = load1()
  const connectorSec = (last - (first as number)) / 1000
  const withStartSec = (last - resumed) / 1000

  const decodeSec = await recvlogical(ctx, endLsn)
  const decodeLoad = load1()
  await dropPeerSlot(ctx)
  return {
    changes: written.changes,
    connector: {value: written.changes / Math.max(connectorSec, 0.05), load1: load, note: `${written.changes} changes in ${connectorSec.toFixed(2)}s`},
    connectorWithStart: {value: written.changes / withStartSec, load1: load, note: `${withStartSec.toFixed(2)}s from resume`},
    decode: {value: written.changes / decodeSec, load1: decodeLoad, note: `${decodeSec.toFixed(2)}s`},
    walBytes: Number(bytes),
  }
}

/** REPLICA IDENTITY of the source tables: DEFAULT (the primary key, the schema's choice) or FULL (every column). */
export async function setReplicaIdentity(ctx: Ctx, identity: 'DEFAULT' | 'FULL'): Promise<void> {
  for (const t of ctx.profile.connect.tables) await sql(ctx.superuser, `ALTER TABLE ${t} REPLICA IDENTITY ${identity}`)
}

/** Rows for the workload to update: `rows` users, products and orders (seeded by SQL once; their changes reach Kafka before any run). */
export async function seedSource(ctx: Ctx, rows: number): Promise<void> {
  const [{n}] = await sql<{n: string}>(ctx.db, 'SELECT count(*)::text AS n FROM public.orders')
  if (Number(n) >= rows) return
  log(`seeding ${rows} users, products and orders`)
  await sql(ctx.db, `INSERT INTO public.users (email, full_name, country)
    SELECT 'seed-' || g || '-' || md5(random()::text) || '@bench.example', 'Seed User ' || g, (ARRAY['IN','DE','FR','US'])[1 + g % 4] FROM generate_series(1, $1) g`, [rows])
  await sql(ctx.db, `INSERT INTO public.products (name, category, price, status)
    SELECT 'seed item ' || g, (ARRAY['books','garden','toys'])[1 + g % 3], (g % 500) + 0.99, 'active' FROM generate_series(1, $1) g`, [rows])
  await sql(ctx.db, `INSERT INTO public.orders (user_id, product_id, quantity, total_amount, status)
    SELECT u.id, p.id, 1 + u.id % 5, 10.5, 'pending' FROM (SELECT id, row_number() OVER () r FROM public.users ORDER BY id DESC LIMIT $1) u
    JOIN (SELECT id, row_number() OVER () r FROM public.products ORDER BY id DESC LIMIT $1) p USING (r)`, [rows])
}
