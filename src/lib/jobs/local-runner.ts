import {spawn} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {jobSpec, type Provided} from '../catalog'
import {CdcError} from '../errors'
import {groupAlive, pidAlive} from '../local/process'
import {sparkSubmitCommand} from '../spark'
import type {ObjectStore} from '../storage'
import {argumentsFor} from './arguments'
import {checkRunId, readSummary} from './summary'
import {alreadyRunning, type JobName, type JobRun, type JobRunner, type RunState} from './types'

interface RunRecord {
  runId: string
  job: JobName
  pid: number
  startedAt: string
  args: Record<string, string>
}

/**
 * Local target: spark-submit of the same Glue script with the same arguments. A run is a record
 * file, a log and, once spark-submit exits, an exit-status file written by a small shell wrapper, so
 * a run started with --no-wait is still resolved to SUCCEEDED or FAILED later. The job's own summary
 * is read from {root}/jobs/<run id>.json, as on Glue.
 */
export class LocalJobRunner implements JobRunner {
  private readonly dir: string
  private readonly sparkCacheDir: string

  constructor(stateDir: string, private readonly store: ObjectStore, private readonly provided: Partial<Record<Provided, string>>) {
    this.dir = join(stateDir, 'jobs')
    this.sparkCacheDir = join(stateDir, 'spark')
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
    const {cmd, argv, env, archive} = sparkSubmitCommand(jobSpec(job).script, fullArgs, this.sparkCacheDir, runId)
    mkdirSync(this.dir, {recursive: true})
    const p = this.paths(runId)
    const fd = openSync(p.log, 'a')
    // The status file appears only once spark-submit has exited, whoever is waiting by then; a
    // class-data archive the run wrote at exit is moved where the next runs read it (first one wins).
    const child = spawn('bash', ['-c', '"$@"; s=$?; if [ "$s" = 0 ] && [ -s "$CDC_CDS_TMP" ]; then mv -n "$CDC_CDS_TMP" "$CDC_CDS_FINAL"; fi; rm -f "$CDC_CDS_TMP"; echo $s > "$CDC_EXIT_FILE"', 'job', cmd, ...argv], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: {...env, CDC_EXIT_FILE: p.exit, CDC_CDS_TMP: archive?.tmp ?? '', CDC_CDS_FINAL: archive?.final ?? ''},
    })
    closeSync(fd)
    child.unref()
    const record: RunRecord = {runId, job, pid: child.pid as number, startedAt: new Date().toISOString(), args: fullArgs}
    writeFileSync(p.record, JSON.stringify(record, null, 2))
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
    // them carries the run id in its arguments: a process that only inherited a recycled pid does not.
    const alive = !exited && (pidAlive(record.pid, runId) || groupAlive(record.pid, runId))
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
