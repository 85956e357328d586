import {spawn} from 'node:child_process'
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Profile} from '../config'
import {CdcError} from '../errors'
import {pidAlive} from '../local/process'
import {sparkSubmitCommand} from '../spark'
import {type JobName, type JobRun, type JobRunner, JOBS} from './types'

interface RunRecord {
  runId: string
  job: JobName
  pid: number
  startedAt: string
  args: Record<string, string>
}

/**
 * Local target: spark-submit of the same Glue script with the same arguments. A run is a record
 * file plus a log; a small shell wrapper writes the exit status, so a run started with --no-wait
 * is still resolved to SUCCEEDED or FAILED later.
 */
export class LocalJobRunner implements JobRunner {
  private readonly dir: string

  constructor(private readonly profile: Profile) {
    this.dir = join(profile.stateDir, 'jobs')
  }

  private paths(runId: string): {record: string; log: string; exit: string} {
    return {record: join(this.dir, `${runId}.json`), log: join(this.dir, `${runId}.log`), exit: join(this.dir, `${runId}.exit`)}
  }

  async start(job: JobName, args: Record<string, string>): Promise<JobRun> {
    const runId = `${job}-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`
    const fullArgs: Record<string, string> = {'storage-root': this.profile.storage.root, catalog: 'local', ...args, 'job-run-id': runId}
    if (JOBS[job].streaming) fullArgs['bootstrap-servers'] ??= this.profile.kafka.brokers.join(',')
    const {cmd, argv, env} = sparkSubmitCommand(JOBS[job].script, fullArgs)
    mkdirSync(this.dir, {recursive: true})
    const p = this.paths(runId)
    const fd = openSync(p.log, 'a')
    // The status file appears only once spark-submit has exited, whoever is waiting by then.
    const child = spawn('bash', ['-c', '"$@"; echo $? > "$CDC_EXIT_FILE"', 'job', cmd, ...argv], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: {...env, CDC_EXIT_FILE: p.exit},
    })
    closeSync(fd)
    child.unref()
    const record: RunRecord = {runId, job, pid: child.pid as number, startedAt: new Date().toISOString(), args: fullArgs}
    writeFileSync(p.record, JSON.stringify(record, null, 2))
    return this.get(job, runId)
  }

  async get(_job: JobName, runId: string): Promise<JobRun> {
    const p = this.paths(runId)
    if (!existsSync(p.record)) throw new CdcError(`No local run ${runId}`, {code: 'RUN_NOT_FOUND', exit: 2, actions: ['cdcctl job list']})
    const record = JSON.parse(readFileSync(p.record, 'utf8')) as RunRecord
    const exited = existsSync(p.exit)
    const code = exited ? Number.parseInt(readFileSync(p.exit, 'utf8'), 10) : null
    const alive = !exited && pidAlive(record.pid)
    const state = exited ? (code === 0 ? 'SUCCEEDED' : 'FAILED') : alive ? 'RUNNING' : 'FAILED'
    const log = existsSync(p.log) ? readFileSync(p.log, 'utf8') : ''
    const summary = lastJsonLine(log)
    const endedAt = exited ? new Date(statSync(p.exit).mtimeMs).toISOString() : null
    const error = state === 'FAILED' ? (typeof summary?.error === 'string' ? summary.error : exited ? `exit status ${code}` : 'the process ended without an exit status (killed?)') : null
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

  async list(job: JobName | undefined, limit: number): Promise<JobRun[]> {
    if (!existsSync(this.dir)) return []
    const ids = readdirSync(this.dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))
    const runs = await Promise.all(ids.filter((id) => !job || id.startsWith(`${job}-`)).map((id) => this.get(job as JobName, id)))
    return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, limit)
  }

  async logs(_job: JobName, runId: string, lines: number): Promise<string[]> {
    const p = this.paths(runId)
    if (!existsSync(p.record)) throw new CdcError(`No local run ${runId}`, {code: 'RUN_NOT_FOUND', exit: 2, actions: ['cdcctl job list']})
    return existsSync(p.log) ? readFileSync(p.log, 'utf8').trimEnd().split('\n').slice(-lines) : []
  }
}

/** The job scripts end by printing one JSON line (their summary, or {"status":"failed","error":…}). */
function lastJsonLine(log: string): Record<string, unknown> | null {
  const lines = log.trimEnd().split('\n')
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 50; i--) {
    const line = lines[i].trim()
    if (line.startsWith('{') && line.endsWith('}')) {
      try {
        return JSON.parse(line) as Record<string, unknown>
      } catch {
        // not the summary
      }
    }
  }
  return null
}
