import {spawn} from 'node:child_process'

import {expect} from 'chai'

import {catalog, goldTables, jobNames, silverTables, topics} from '../../src/lib/catalog'
import {withPostgres} from '../../src/lib/postgres'
import {resolveTarget} from '../../src/lib/targets'
import {BIN, cdcctl, json, ROOT} from '../helpers/cli'
import {localStack} from '../helpers/stack'

type Row = {area: string; name: string; status: string; detail: string}
type StatusJson = {status: number; result: {verdict: string; reason: string; rows: Row[]; topics: {topic: string; lagRecords: number | null; bronzeOffset: number | null}[]; tables: {table: string; dataAsOf: string | null}[]}}

const JOB_TIMEOUT = 600_000

describe('status: the pipeline on one screen (local stack)', function () {
  this.timeout(JOB_TIMEOUT * 2)

  before(async function () {
    this.timeout(JOB_TIMEOUT * 2)
    await localStack()
    json(await cdcctl(['connector', 'register', '--json']))
    const target = resolveTarget({profile: 'local'})
    await withPostgres(await target.dbCredentials(), (c) => c.query(`INSERT INTO users (email, full_name, country) VALUES ($1, 'Status', 'IN')`, [`status-${Date.now()}@example.com`]))
    // the orchestration's first two jobs: into bronze, then silver
    const jobs = catalog().orchestration.tasks.filter((t) => t.command === 'job run').map((t) => t.args?.[0] as string)
    for (const job of jobs.slice(0, 2)) expect(json<{result: {state: string}}>(await cdcctl(['job', 'run', job, '--json'], {timeoutMs: JOB_TIMEOUT})).result.state, job).to.equal('SUCCEEDED')
  })

  it('shows every stage: slot, connector, each topic against bronze, each job, each table, data quality, DLQ', async () => {
    const res = await cdcctl(['status', '--json'])
    const {result} = json<StatusJson>(res)
    const names = (area: string): string[] => result.rows.filter((r) => r.area === area).map((r) => r.name)
    expect(names('source')).to.deep.equal(['slot dbz_cdc_demo'])
    expect(result.rows.find((r) => r.area === 'connector')?.status).to.equal('ok')
    expect(names('topic')).to.deep.equal(topics())
    expect(names('job')).to.deep.equal(jobNames())
    expect(names('table')).to.deep.equal([catalog().lake.bronze, ...silverTables(), ...goldTables()])
    expect(names('quality')).to.have.length(1)
    expect(names('dlq')).to.deep.equal(['pending'])
    // bronze caught up with every topic, and silver knows how fresh its data is
    for (const t of result.topics) expect(t.lagRecords, t.topic).to.equal(0)
    expect(result.tables.find((t) => t.table === silverTables()[0])?.dataAsOf).to.be.a('string')
    expect(res.code).to.equal(result.verdict === 'fail' ? 1 : 0)
  })

  it('with Kafka Connect stopped exits 1 and names it', async () => {
    await cdcctl(['local', 'down', 'connect'])
    try {
      const res = await cdcctl(['status', '--json'])
      const {status, result} = json<StatusJson>(res)
      expect([res.code, status, result.verdict]).to.deep.equal([1, 1, 'fail'])
      expect(result.reason).to.contain('Kafka Connect')
      const human = await cdcctl(['status'])
      expect(human.code).to.equal(1)
      expect(human.stdout).to.match(/FAIL: .*Kafka Connect/)
    } finally {
      await cdcctl(['local', 'up'], {cwd: ROOT})
    }
  })

  it('--watch redraws the screen until interrupted; with --json it is a usage error', async () => {
    const child = spawn(process.execPath, [BIN, 'status', '--watch', '--interval', '1'], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    await new Promise((r) => setTimeout(r, 9000))
    child.kill('SIGINT')
    expect(out.match(/checked \d{4}-/g)?.length ?? 0).to.be.greaterThan(1)
    const res = await cdcctl(['status', '--watch', '--json'])
    expect(res.code).to.equal(2)
  })
})
