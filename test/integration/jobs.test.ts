import {execFileSync, spawn} from 'node:child_process'
import {readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {expect} from 'chai'

import {jobNames} from '../../src/lib/catalog'
import {stopIdleDrivers} from '../../src/lib/local/warm-driver'
import {pidAlive} from '../../src/lib/local/process'
import {poll} from '../../src/lib/poll'
import {cdcctl, json} from '../helpers/cli'
import {localStack} from '../helpers/stack'

type Run = {runId: string; job: string; state: string; args: Record<string, string>; error: string | null}

describe('job stop and labels on the local target (spark-submit)', function () {
  this.timeout(300_000)
  const streaming = jobNames()[0]

  before(async () => {
    await localStack()
  })

  it('an argument the catalog does not declare, or that the target provides, is refused before anything starts', async () => {
    for (const [arg, message] of [['no-such-arg=1', 'has no argument "no-such-arg"'], ['storage-root=file:///tmp/x', 'is set by the target'], ['trigger=sometimes', 'is not one of once, continuous']]) {
      const res = await cdcctl(['job', 'run', streaming, '--arg', arg])
      expect(res.code, res.stderr).to.equal(2)
      expect(res.stderr).to.contain(message)
    }
    const listed = json<{result: {runs: Run[]}}>(await cdcctl(['job', 'list', streaming, '--json']))
    expect(listed.result.runs.filter((r) => r.args['no-such-arg'] !== undefined)).to.deep.equal([])
  })

  it('stops the unfinished runs carrying a label, and only those, with the Spark process group', async () => {
    const label = `it-stop-${Date.now()}`
    const started = json<{result: Run}>(await cdcctl(['job', 'run', streaming, '--arg', 'trigger=continuous', '--arg', 'trigger-interval=5 seconds', '--no-wait', '--label', label, '--json'])).result
    expect(started.args.label).to.equal(label)
    await poll(async () => json<{result: Run}>(await cdcctl(['job', 'status', streaming, started.runId, '--json'])).result.state, (s) => s === 'RUNNING', {timeoutMs: 60_000, intervalMs: 1000, onTimeout: (s) => new Error(`run is ${s}`)})

    // a second run on the same checkpoint is refused before anything starts, naming the running one
    const second = await cdcctl(['job', 'run', streaming, '--no-wait', '--json'])
    expect(second.code).to.equal(1)
    expect(json<{code: string; message: string}>(second)).to.include({code: 'JOB_ALREADY_RUNNING'})
    expect(json<{message: string}>(second).message).to.contain(started.runId)
    expect(json<{result: {runs: Run[]}}>(await cdcctl(['job', 'list', streaming, '--json'])).result.runs.filter((r) => r.state === 'RUNNING').map((r) => r.runId)).to.deep.equal([started.runId])

    expect(json<{result: {runs: Run[]}}>(await cdcctl(['job', 'stop', '--label', 'some-other-label', '--json'])).result.runs).to.deep.equal([])
    const stopped = json<{result: {runs: Run[]}}>(await cdcctl(['job', 'stop', '--label', label, '--json'])).result.runs
    expect(stopped.map((r) => r.runId)).to.deep.equal([started.runId])

    const final = await poll(async () => json<{result: Run}>(await cdcctl(['job', 'status', streaming, started.runId, '--json'])).result, (r) => r.state === 'STOPPED', {timeoutMs: 90_000, intervalMs: 1000, onTimeout: (r) => new Error(`run is ${r.state}`)})
    expect(final.error).to.equal('stopped by cdcctl job stop')
    // nothing of the run is left: spark-submit's JVM carries the run id in its arguments
    expect(execFileSync('ps', ['-eo', 'args'], {encoding: 'utf8'})).to.not.contain(started.runId)
    const recorded = json<{result: {runs: Run[]}}>(await cdcctl(['job', 'list', '--label', label, '--json'])).result.runs
    expect(recorded.map((r) => r.state)).to.deep.equal(['STOPPED'])
    // a stopped run is left as it is
    expect(json<{result: {runs: Run[]}}>(await cdcctl(['job', 'stop', '--label', label, '--json'])).result.runs).to.deep.equal([])
  })

  it('with spark.warmDriver on, a run is handed to the driver started ahead of it, and stops as a cold run does', async () => {
    const profile = await localStack()
    const warmDir = join(profile.stateDir, 'jobs', 'warm')
    const idleTokens = (): string[] => readdirSync(warmDir).filter((f) => f.endsWith('.idle')).map((f) => f.slice(0, -5))
    const ps = (): string => execFileSync('ps', ['-eo', 'args'], {encoding: 'utf8'})
    const label = `it-warm-${Date.now()}`
    const runStopped = async (env: NodeJS.ProcessEnv): Promise<{run: Run; log: string}> => {
      const run = json<{result: Run}>(await cdcctl(['job', 'run', streaming, '--arg', 'trigger=continuous', '--no-wait', '--label', label, '--json'], {env})).result
      await poll(async () => json<{result: Run}>(await cdcctl(['job', 'status', streaming, run.runId, '--json'])).result.state, (s) => s === 'RUNNING', {timeoutMs: 60_000, intervalMs: 1000, onTimeout: (s) => new Error(`run is ${s}`)})
      expect(json<{result: {runs: Run[]}}>(await cdcctl(['job', 'stop', '--label', label, '--json'])).result.runs.map((r) => r.runId)).to.deep.equal([run.runId])
      const final = await poll(async () => json<{result: Run}>(await cdcctl(['job', 'status', streaming, run.runId, '--json'])).result, (r) => r.state === 'STOPPED', {timeoutMs: 90_000, intervalMs: 1000, onTimeout: (r) => new Error(`run is ${r.state}`)})
      return {run: final, log: (await cdcctl(['job', 'logs', streaming, run.runId, '--lines', '100000'])).stdout}
    }
    const warm = {CDCCTL_WARM_DRIVER: '1'}
    stopIdleDrivers(profile.stateDir) // an earlier session's
    try {
      // no driver yet: the first run starts cold, and a driver for the next one
      const first = await runStopped(warm)
      expect(first.log).to.not.contain('warm driver')
      const [token] = idleTokens()
      expect(token, 'no warm driver was started after the first run').to.match(/^warm-/)
      expect(ps()).to.contain(token)
      await poll(async () => readFileSync(join(warmDir, `${token}.log`), 'utf8'), (log) => log.includes(`${token} ready`), {timeoutMs: 120_000, intervalMs: 500, onTimeout: () => new Error(`warm driver ${token} did not get ready`)})

      // the second run is that driver: its log says so, it stops as a cold run does and leaves nothing
      const second = await runStopped(warm)
      expect(second.log).to.contain(`warm driver ${token} runs`)
      expect(second.run.error).to.equal('stopped by cdcctl job stop')
      await poll(async () => ps(), (out) => !out.includes(token), {timeoutMs: 30_000, intervalMs: 500, onTimeout: () => new Error(`processes of ${token} outlived the stopped run`)})

      // a run that ends on its own: its exit status and summary are read as a cold run's
      const [third] = idleTokens()
      expect(third, 'no warm driver was started after the second run').to.match(/^warm-/)
      const once = await cdcctl(['job', 'run', streaming, '--arg', 'trigger=once', '--wait', '--json'], {env: warm})
      const done = json<{result: Run & {summary: {status: string} | null}}>(once).result
      expect(done.state, once.stderr).to.equal('SUCCEEDED')
      expect(done.summary?.status).to.equal('succeeded')
      expect((await cdcctl(['job', 'logs', streaming, done.runId, '--lines', '100000'])).stdout).to.contain(`warm driver ${third} runs`)

      // a run under another environment (here CDC_VERBOSE) is not handed a driver started under the
      // old one; that driver retires and one for the new environment starts
      const [next] = idleTokens()
      expect(next, 'no warm driver was started after the third run').to.match(/^warm-/)
      const verbose = await runStopped({...warm, CDC_VERBOSE: '1'})
      expect(verbose.log).to.not.contain('warm driver')
      const drivers = idleTokens()
      expect(drivers).to.have.length(1)
      expect(drivers[0]).to.not.equal(next)

      // off, nothing is claimed or started
      const off = await runStopped({})
      expect(off.log).to.not.contain('warm driver')
      expect(idleTokens()).to.deep.equal(drivers)
    } finally {
      const idle = idleTokens()
      stopIdleDrivers(profile.stateDir)
      await poll(async () => ps(), (out) => idle.every((t) => !out.includes(t)), {timeoutMs: 30_000, intervalMs: 500, onTimeout: () => new Error(`idle warm drivers outlived stopIdleDrivers: ${idle.join(', ')}`)})
      expect(idleTokens()).to.deep.equal([])
    }
  })

  it('a killed run whose pid the kernel handed to another process is over, and does not hold the job', async () => {
    const profile = await localStack()
    // pid_max is 32768 here: a long session recycles a dead run's pid. Stand in for that with a live
    // process group leader that is not the run, under the pid of a run record left without an exit status.
    const other = spawn('sleep', ['300'], {detached: true, stdio: 'ignore'})
    const runId = `${streaming}-19700101000000-${Math.random().toString(36).slice(2, 6)}`
    const record = join(profile.stateDir, 'jobs', `${runId}.json`)
    writeFileSync(record, JSON.stringify({runId, job: streaming, pid: other.pid, startedAt: '1970-01-01T00:00:00.000Z', args: {}}))
    try {
      const status = json<{result: Run}>(await cdcctl(['job', 'status', streaming, runId, '--json'])).result
      expect(status.state).to.equal('FAILED')
      expect(status.error).to.contain('killed?')
      const live = json<{result: {runs: Run[]}}>(await cdcctl(['job', 'list', streaming, '--json'])).result.runs.filter((r) => r.state === 'RUNNING')
      expect(live).to.deep.equal([])
      expect(json<{result: {runs: Run[]}}>(await cdcctl(['job', 'stop', streaming, runId, '--json'])).result.runs.map((r) => r.state)).to.deep.equal(['FAILED'])
      // exitCode stays null for a process a signal ended: ask /proc whether it still runs
      expect(pidAlive(other.pid as number), 'job stop signalled the process that holds the recycled pid').to.equal(true)
    } finally {
      other.kill('SIGKILL')
      for (const file of [record, record.replace(/\.json$/, '.stopped')]) rmSync(file, {force: true})
    }
  })

  it('a run id that is not one (a path, say) is a usage error and reads nothing', async () => {
    const res = await cdcctl(['job', 'status', streaming, '../secrets/postgres'])
    expect(res.code).to.equal(2)
    expect(res.stderr).to.contain('is not a run id')
  })
})
