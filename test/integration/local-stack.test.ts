import {expect} from 'chai'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {catalog} from '../../src/lib/catalog'
import type {Profile} from '../../src/lib/config'
import {poll} from '../../src/lib/poll'
import {cdcctl, isOneLineError, json, ROOT} from '../helpers/cli'
import {localStack} from '../helpers/stack'

type Components = {result: {components: {component: string; state: string; pid: number | null; port: number}[]}}

describe('local stack', function () {
  this.timeout(300_000)
  let profile: Profile

  before(async () => {
    profile = await localStack()
  })

  it('up is idempotent: a second up keeps the same processes', async () => {
    const before = json<Components>(await cdcctl(['local', 'status', '--json'])).result.components
    const again = json<Components>(await cdcctl(['local', 'up', '--json'])).result.components
    expect(again.map((c) => c.state)).to.deep.equal(['running', 'running', 'running'])
    expect(again.map((c) => c.pid)).to.deep.equal(before.map((c) => c.pid))
    expect(again.map((c) => c.port)).to.deep.equal([profile.ports.postgres, profile.ports.kafka, profile.ports.connect])
  })

  it('the native Connect worker runs with the catalog\'s worker settings', () => {
    const props = readFileSync(join(profile.stateDir, 'connect', 'connect-distributed.properties'), 'utf8')
    for (const [property, value] of Object.entries(catalog().connect.worker)) expect(props).to.match(new RegExp(`^${property.replaceAll('.', '\\.')}=${value}$`, 'm'))
  })

  it('a port already taken is a clear error naming it, and nothing is started', async () => {
    const server: Server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as {port: number}).port
    const dir = mkdtempSync(join(tmpdir(), 'cdcctl-port-'))
    writeFileSync(join(dir, 'cdcctl.config.json'), JSON.stringify({profiles: {local: {ports: {kafka: port}}}}))
    try {
      const res = await cdcctl(['local', 'up', 'kafka'], {cwd: dir})
      expect(res.code).to.equal(2)
      expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
      expect(res.stderr).to.contain(`Port ${port} for kafka is already in use`)
      expect(json<Components>(await cdcctl(['local', 'status', '--json'], {cwd: dir})).result.components.every((c) => c.state === 'stopped')).to.equal(true)
    } finally {
      server.close()
    }
  })

  it('health goes red when Connect is stopped, and green when it is back', async () => {
    await cdcctl(['connector', 'register'])
    const green = await cdcctl(['health', '--json'])
    expect(green.code, green.stdout).to.equal(0)
    const down = json<Components>(await cdcctl(['local', 'down', 'connect', '--json']))
    expect(down.result.components.find((c) => c.component === 'connect')?.state).to.equal('stopped')
    // down stopped only connect
    expect(json<Components>(await cdcctl(['local', 'status', '--json'])).result.components.map((c) => c.state)).to.deep.equal(['running', 'running', 'stopped'])
    const red = await cdcctl(['health', '--json'])
    expect(red.code).to.equal(1)
    const report = json<{result: {healthy: boolean; checks: {component: string; status: string}[]}}>(red).result
    expect(report.healthy).to.equal(false)
    expect(report.checks.find((c) => c.component === 'connect')?.status).to.equal('fail')
    expect(report.checks.find((c) => c.component === 'kafka')?.status).to.equal('ok')
    const human = await cdcctl(['health'])
    expect(human.code).to.equal(1)
    expect(human.stdout).to.contain('Unhealthy.')
    await cdcctl(['local', 'up', 'connect'])
    await cdcctl(['connector', 'register'])
    // green once the restarted connector has confirmed the slot past what was written while it was down
    // (until then `slot lag` rightly warns)
    const back = await poll(() => cdcctl(['health']), (r) => r.code === 0, {timeoutMs: 120_000, intervalMs: 2000, onTimeout: (r) => new Error(`health stayed ${r.code}: ${r.stdout}`)})
    expect(back.code).to.equal(0)
  })

  it('the docker runtime without Docker is a one-line error that points to the native stack', async () => {
    const res = await cdcctl(['local', 'up'], {env: {CDCCTL_RUNTIME: 'docker', CDCCTL_DOCKER_BIN: 'docker-is-not-installed'}})
    expect(res.code).to.equal(2)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('CDCCTL_RUNTIME=native')
  })

  it('on the docker runtime the connector refers to the compose Connect\'s environment for the database', async () => {
    const res = json<{result: {config: Record<string, string>}}>(await cdcctl(['connector', 'register', '--dry-run', '--json'], {env: {CDCCTL_RUNTIME: 'docker'}}))
    expect(res.result.config['database.password']).to.equal('${env:CDC_DB_PASSWORD}')
    expect(res.result.config['database.hostname']).to.equal('${env:CDC_DB_HOST}')
    // verify-full against the local CA, which the compose Connect mounts where the config names it
    expect(res.result.config['database.sslmode']).to.equal('verify-full')
    expect(readFileSync(join(ROOT, 'docker', 'docker-compose.yml'), 'utf8')).to.contain(`/ca.pem:${res.result.config['database.sslrootcert']}:ro`)
  })

  it('logs prints the tail of a component log', async () => {
    const res = json<{result: {lines: string[]; component: string}}>(await cdcctl(['local', 'logs', 'kafka', '--lines', '5', '--json']))
    expect(res.result.component).to.equal('kafka')
    expect(res.result.lines.length).to.be.within(1, 5)
  })
})
