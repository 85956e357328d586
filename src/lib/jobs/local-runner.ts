import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {jobSpec, type Provided} from '../catalog'
import {CdcError} from '../errors'
import {groupAlive, pidAlive} from '../local/process'
import {sparkSubmitCommand, spawnSubmit} from '../spark'
import type {ObjectStore} from '../storage'
import {argumentsFor} from './arguments'
import {checkRunId, readSummary} from './summary'
import {alreadyRunning, type JobName, type JobRun, type JobRunner, type RunState} from './types'
import {WarmDrivers} from '../local/warm-driver'

interface RunRecord {
  runId: string
  job: JobName
  pid: number
  /** What the run's processes carry in their command lines: the run id, or the warm driver's token. */
  marker?: string
  startedAt: string
  args: Record<string, string>
}

/**
 * Local target: spark-submit of the same Glue script with the same arguments. A run is a record
 * file, a log and, once spark-submit exits, an exit-status file written by a small shell wrapper, so
 * a run started with --no-wait is still resolved to SUCCEEDED or FAILED later. The job's own summary
 * is read from {root}/jobs/<run id>.json, as on Glue. With warm drivers on (profile
 * spark.warmDriver), a run is handed to a driver started ahead of it when one is there.
 */
export class LocalJobRunner implements JobRunner {
  private readonly dir: string
  private readonly sparkCacheDir: string
  private readonly warm?: WarmDrivers

  constructor(stateDir: string, private readonly store: ObjectStore, private readonly provided: Partial<Record<Provided, string>>, warmDriver = false) {
    this.dir = join(stateDir, 'jobs')
    this.sparkCacheDir = join(stateDir, 'spark')
    if (warmDriver) this.warm = new WarmDrivers(stateDir, this.sparkCacheDir, provided.storage_root as string)
  }

  private paths(runId: string): {record: string; log: string; exit: string; stopped: string} {
    const base = join(this.dir, checkRunId(runId))
    return {record: `${base}.json`, log: `${base}.log`, exit: `${base}.exit`, stopped: `${base}.stopped`}
  }

  async start(job: JobName, args: Record<string, string>): Promise<JobRun> {
    const live = (await this.list(job, Number.MAX_SAFE_INTEGER)).find((r) => r.state === 'RUNNING' || r.state === 'STOPPING')
    if (live) throw alreadyRunning(job, live.runId)
    const runId = `${job}-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`
    const fullArgs = argumentsFor(job, 'local', {...this.provided, run_id: runId}, args)
    const submit = sparkSubmitCommand(jobSpec(job).script, fullArgs, this.sparkCacheDir, runId)
    mkdirSync(this.dir, {recursive: true})
    const p = this.paths(runId)
    const warm = this.warm?.claim(submit)
    let record: RunRecord
    if (warm) {
      // the driver's own log and exit status are the run's
      symlinkSync(warm.log, p.log)
      symlinkSync(warm.exit, p.exit)
      record = {runId, job, pid: warm.pid, marker: warm.token, startedAt: new Date().toISOString(), args: fullArgs}
    } else {
      record = {runId, job, pid: spawnSubmit(submit, p.log, p.exit), startedAt: new Date().toISOString(), args: fullArgs}
    }
    writeFileSync(p.record, JSON.stringify(record, null, 2))
    this.warm?.ensure()
    return this.get(job, runId)
  }

  private record(runId: string): RunRecord {
    const p = this.paths(runId)
    if (!existsSync(p.record)) throw new CdcError(`No local run ${runId}`, {code: 'RUN_NOT_FOUND', exit: 2, actions: ['cdcctl job list']})
    return JSON.parse(readFileSync(p.record, 'utf8')) as RunRecord
  }

  async get(_job: JobName, runId: string): Promise<JobRun> {
    const record = this.record(runId)
    const p = this.paths(runId)
    const exited = existsSync(p.exit)
    const code = exited ? Number.parseInt(readFileSync(p.exit, 'utf8'), 10) : null
    // the wrapper leads the run's process group; spark-submit's JVM can outlive it (a stop's shutdown
    // hooks), and a run is not over, nor its checkpoint free, until the whole group is gone. Each of
    // them carries the run id (or its warm driver's token) in its arguments: a process that only
    // inherited a recycled pid does not.
    const marker = record.marker ?? runId
    const alive = !exited && (pidAlive(record.pid, marker) || groupAlive(record.pid, marker))
    const stopped = existsSync(p.stopped)
    let state: RunState = exited ? (code === 0 ? 'SUCCEEDED' : 'FAILED') : alive ? 'RUNNING' : 'FAILED'
    if (stopped && state !== 'SUCCEEDED') state = alive ? 'STOPPING' : 'STOPPED'
    const summary = await readSummary(this.store, runId)
    const ended = exited ? p.exit : stopped && !alive ? p.stopped : undefined
    const endedAt = ended ? new Date(statSync(ended).mtimeMs).toISOString() : null
    let error: string | null = null
    if (state === 'FAILED') error = typeof summary?.error === 'string' ? summary.error : exited ? `exit status ${code}` : 'the process ended without an exit status (killed?)'
    if (state === 'STOPPED') error = 'stopped by cdcctl job stop'
    return {
      runId,
      job: record.job,
      state,
      startedAt: record.startedAt,
      endedAt,
      durationSec: Math.round(((endedAt ? Date.parse(endedAt) : Date.now()) - Date.parse(record.startedAt)) / 1000),
      error,
      summary,
      args: record.args,
    }
  }

  async list(job: JobName | undefined, limit: number, label?: string): Promise<JobRun[]> {
    if (!existsSync(this.dir)) return []
    const ids = readdirSync(this.dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))
    const records = ids.map((id) => this.record(id)).filter((r) => (!job || r.job === job) && (label === undefined || r.args.label === label))
    const runs = await Promise.all(records.map((r) => this.get(r.job, r.runId)))
    return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, limit)
  }

  async logs(_job: JobName, runId: string, lines: number): Promise<string[]> {
    this.record(runId)
    const p = this.paths(runId)
    return existsSync(p.log) ? readFileSync(p.log, 'utf8').trimEnd().split('\n').slice(-lines) : []
  }

  /** SIGTERM to the run's process group (the wrapper, spark-submit and its JVM); a marker records who stopped it. */
  async stop(job: JobName, runId: string): Promise<JobRun> {
    const run = await this.get(job, runId)
    if (run.state !== 'RUNNING') return run
    writeFileSync(this.paths(runId).stopped, new Date().toISOString())
    try {
      process.kill(-this.record(runId).pid, 'SIGTERM')
    } catch {
      // it ended in between
    }
    return this.get(job, runId)
  }
}
