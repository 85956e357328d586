import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {cdcctl, isOneLineError, json} from '../helpers/cli'
import {type Moto, startMoto} from '../helpers/moto'

type RunJson = {status: number; result: {runId: string; state: string; job: string; error: string | null}}

describe('job run on the aws target (Glue API of a moto server)', function () {
  this.timeout(120_000)
  let moto: Moto
  let cwd: string

  before(async () => {
    moto = await startMoto()
    cwd = mkdtempSync(join(tmpdir(), 'cdcctl-glue-'))
    writeFileSync(join(cwd, 'cdcctl.config.json'), JSON.stringify({profiles: {aws: {target: 'aws', storage: {root: 's3://lake'}, glue: {jobNames: {'bronze-to-silver': 'cdc-bronze-to-silver'}, logGroupPrefix: '/aws-glue/jobs/cdc-dev'}}}}))
    const {GlueClient, CreateJobCommand} = await import('@aws-sdk/client-glue')
    const glue = new GlueClient({region: 'ap-south-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
    await glue.send(new CreateJobCommand({Name: 'cdc-bronze-to-silver', Role: 'arn:aws:iam::123456789012:role/glue', GlueVersion: '6.0', Command: {Name: 'glueetl', ScriptLocation: 's3://lake/scripts/bronze_to_silver.py', PythonVersion: '3'}}))
  })

  after(async () => moto?.stop())

  it('starts a run, polls it to its final state and reports it', async () => {
    const res = await cdcctl(['job', 'run', 'bronze-to-silver', '--profile', 'aws', '--arg', 'tables=users', '--json'], {cwd, env: moto.env})
    const run = json<RunJson>(res)
    expect(run.result.job).to.equal('bronze-to-silver')
    expect(run.result.runId).to.be.a('string').and.not.equal('')
    expect(run.result.state).to.equal('SUCCEEDED')
    expect(res.code).to.equal(0)

    const status = json<RunJson>(await cdcctl(['job', 'status', 'bronze-to-silver', run.result.runId, '--profile', 'aws', '--json'], {cwd, env: moto.env}))
    expect(status.result.state).to.equal('SUCCEEDED')
    const list = json<{result: {runs: {runId: string}[]}}>(await cdcctl(['job', 'list', 'bronze-to-silver', '--profile', 'aws', '--json'], {cwd, env: moto.env}))
    expect(list.result.runs.map((r) => r.runId)).to.include(run.result.runId)
  })

  it('--no-wait returns the started run at once', async () => {
    // moto's job runs advance a state on every read; here one stays RUNNING (its state manager's manual model)
    const transition = (path: string, body: object) => fetch(`${moto.url}/moto-api/state-manager/${path}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({model_name: 'glue::job_run', ...body})})
    await transition('set-transition', {transition: {progression: 'manual', times: 1000}})
    try {
      const run = json<RunJson>(await cdcctl(['job', 'run', 'bronze-to-silver', '--profile', 'aws', '--no-wait', '--json'], {cwd, env: moto.env}))
      expect(run.result.runId).to.not.equal('')
      // Glue allows one run of a job at a time (max_concurrent_runs = 1): a second start is said plainly
      const again = await cdcctl(['job', 'run', 'bronze-to-silver', '--profile', 'aws', '--no-wait', '--json'], {cwd, env: moto.env})
      expect(again.code).to.equal(1)
      expect(json<{code: string}>(again).code).to.equal('JOB_ALREADY_RUNNING')
    } finally {
      await transition('unset-transition', {})
    }
  })

  it('a job Glue does not know is a one-line error naming it', async () => {
    const res = await cdcctl(['job', 'run', 'silver-to-gold', '--profile', 'aws'], {cwd, env: moto.env})
    expect(res.code).to.equal(1)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('silver-to-gold')
  })

  it('logs merges a run\'s output and error streams by time, and only that run\'s', async () => {
    const logs = await import('@aws-sdk/client-cloudwatch-logs')
    const cw = new logs.CloudWatchLogsClient({region: 'ap-south-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
    const t0 = Date.now() - 60_000
    const put = async (group: string, stream: string, messages: [number, string][]) => {
      await cw.send(new logs.CreateLogStreamCommand({logGroupName: group, logStreamName: stream}))
      await cw.send(new logs.PutLogEventsCommand({logGroupName: group, logStreamName: stream, logEvents: messages.map(([dt, message]) => ({timestamp: t0 + dt, message}))}))
    }
    for (const g of ['output', 'error']) await cw.send(new logs.CreateLogGroupCommand({logGroupName: `/aws-glue/jobs/cdc-dev/${g}`}))
    await put('/aws-glue/jobs/cdc-dev/output', 'jr_one-driver', [[1, 'reading bronze'], [3, 'merged 12 changes']])
    await put('/aws-glue/jobs/cdc-dev/error', 'jr_one-driver', [[2, 'WARN spark started']])
    await put('/aws-glue/jobs/cdc-dev/error', 'jr_one-executor1', [[4, 'executor 1 done']])
    await put('/aws-glue/jobs/cdc-dev/output', 'jr_two-driver', [[5, 'another run']])

    const all = json<{result: {lines: string[]}}>(await cdcctl(['job', 'logs', 'bronze-to-silver', 'jr_one', '--profile', 'aws', '--json'], {cwd, env: moto.env}))
    expect(all.result.lines).to.deep.equal(['reading bronze', 'WARN spark started', 'merged 12 changes', 'executor 1 done'])
    const last = json<{result: {lines: string[]}}>(await cdcctl(['job', 'logs', 'bronze-to-silver', 'jr_one', '-n', '2', '--profile', 'aws', '--json'], {cwd, env: moto.env}))
    expect(last.result.lines).to.deep.equal(['merged 12 changes', 'executor 1 done'])
  })

  it('a bad --arg is a usage error', async () => {
    const res = await cdcctl(['job', 'run', 'bronze-to-silver', '--profile', 'aws', '--arg', 'novalue'], {cwd, env: moto.env})
    expect(res.code).to.equal(2)
    expect(res.stderr).to.contain('--arg novalue is not key=value')
  })
})
