import type {Profile} from '../config'
import {CdcError, firstLine} from '../errors'
import type {ObjectStore} from '../storage'
import {checkRunId, readSummary} from './summary'
import {alreadyRunning, type JobName, type JobRun, type JobRunner, type RunState} from './types'

/**
 * AWS target: the same scripts as Glue jobs, run with StartJobRun and followed with GetJobRun. What the
 * target provides (storage root, catalog, brokers, secret name) Terraform set as the jobs' default
 * arguments from the same catalog, so a run passes only its own arguments.
 */
export class GlueJobRunner implements JobRunner {
  /** `store`: the storage root, opened only when a run's summary is read. */
  constructor(private readonly profile: Profile, private readonly store: () => ObjectStore) {}

  private jobName(job: JobName): string {
    return this.profile.glue.jobNames[job] ?? job
  }

  private async client() {
    const glue = await import('@aws-sdk/client-glue')
    return {glue, client: new glue.GlueClient({region: this.profile.region})}
  }

  async start(job: JobName, args: Record<string, string>): Promise<JobRun> {
    const {glue, client} = await this.client()
    const name = this.jobName(job)
    const res = await client.send(new glue.StartJobRunCommand({JobName: name, Arguments: Object.fromEntries(Object.entries(args).map(([k, v]) => [`--${k}`, v]))})).catch((error: Error) => {
      if (error.name === 'ConcurrentRunsExceededException') throw alreadyRunning(job)
      throw new CdcError(`Glue could not start job ${name}: ${firstLine(error.message)}`, {
        code: error.name === 'EntityNotFoundException' ? 'JOB_NOT_FOUND' : 'GLUE_ERROR',
        actions: ['cdcctl deploy --profile ' + this.profile.name, 'check glue.jobNames in the profile'],
        cause: error,
      })
    })
    return this.get(job, res.JobRunId as string)
  }

  async get(job: JobName, runId: string): Promise<JobRun> {
    const {glue, client} = await this.client()
    const res = await client.send(new glue.GetJobRunCommand({JobName: this.jobName(job), RunId: checkRunId(runId)})).catch((error: Error) => {
      throw new CdcError(`Glue has no run ${runId} of ${this.jobName(job)}: ${firstLine(error.message)}`, {code: 'RUN_NOT_FOUND', exit: 2, actions: ['cdcctl job list --profile ' + this.profile.name]})
    })
    return {...toJobRun(job, res.JobRun ?? {}), summary: await readSummary(this.store(), runId)}
  }

  async list(job: JobName | undefined, limit: number, label?: string): Promise<JobRun[]> {
    const {glue, client} = await this.client()
    const jobs = job ? [job] : Object.keys(this.profile.glue.jobNames)
    const runs: JobRun[] = []
    for (const j of jobs) {
      const res = await client.send(new glue.GetJobRunsCommand({JobName: this.jobName(j), MaxResults: Math.min(limit, 200)})).catch((error: Error) => {
        throw new CdcError(`Glue GetJobRuns of ${this.jobName(j)} failed: ${firstLine(error.message)}`, {code: 'GLUE_ERROR', actions: ['check AWS_PROFILE / AWS_REGION and glue:GetJobRuns permission']})
      })
      runs.push(...(res.JobRuns ?? []).map((r) => toJobRun(j, r)).filter((r) => label === undefined || r.args.label === label))
    }
    return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, limit)
  }

  async stop(job: JobName, runId: string): Promise<JobRun> {
    const {glue, client} = await this.client()
    const res = await client.send(new glue.BatchStopJobRunCommand({JobName: this.jobName(job), JobRunIds: [checkRunId(runId)]})).catch((error: Error) => {
      throw new CdcError(`Glue could not stop run ${runId} of ${this.jobName(job)}: ${firstLine(error.message)}`, {code: 'GLUE_ERROR', actions: ['check glue:BatchStopJobRun permission']})
    })
    const refused = res.Errors?.find((e) => e.JobRunId === runId)
    // A run that already ended cannot be stopped; that is not an error for whoever wanted it gone.
    if (refused && !/not in a stoppable state|already/i.test(refused.ErrorDetail?.ErrorMessage ?? '')) {
      throw new CdcError(`Glue could not stop run ${runId}: ${refused.ErrorDetail?.ErrorMessage ?? 'unknown error'}`, {code: 'GLUE_ERROR', actions: [`cdcctl job status ${job} ${runId}`]})
    }
    return this.get(job, runId)
  }

  /**
   * Glue writes a run's logs in real time to {prefix}/output (the script's stdout and stderr) and
   * {prefix}/error (Spark and Glue), in streams named after the run id (driver, executors). The run's
   * streams are listed by prefix and read page by page (the SDK's paginators), keeping only the last
   * `lines` events; the two groups are merged by time. A group that does not exist holds no lines.
   */
  async logs(_job: JobName, runId: string, lines: number): Promise<string[]> {
    checkRunId(runId)
    const logs = await import('@aws-sdk/client-cloudwatch-logs')
    const client = new logs.CloudWatchLogsClient({region: this.profile.region})
    const byTime = (a: {timestamp: number}, b: {timestamp: number}) => a.timestamp - b.timestamp
    const events: {timestamp: number; message: string}[] = []
    for (const group of ['output', 'error'].map((g) => `${this.profile.glue.logGroupPrefix}/${g}`)) {
      try {
        const streams: string[] = []
        for await (const page of logs.paginateDescribeLogStreams({client}, {logGroupName: group, logStreamNamePrefix: runId})) {
          streams.push(...(page.logStreams ?? []).map((st) => st.logStreamName ?? '').filter(Boolean))
        }
        const tail: typeof events = []
        // FilterLogEvents takes at most 100 stream names at a time.
        for (let i = 0; i < streams.length; i += 100) {
          for await (const page of logs.paginateFilterLogEvents({client}, {logGroupName: group, logStreamNames: streams.slice(i, i + 100)})) {
            for (const e of page.events ?? []) tail.push({timestamp: e.timestamp ?? 0, message: (e.message ?? '').replace(/\n$/, '')})
            tail.sort(byTime).splice(0, Math.max(0, tail.length - lines))
          }
        }
        events.push(...tail)
      } catch (error) {
        if ((error as Error).name === 'ResourceNotFoundException') continue
        throw new CdcError(`Cannot read CloudWatch Logs ${group}: ${firstLine((error as Error).message)}`, {code: 'LOGS_ERROR', actions: ['check glue.logGroupPrefix in `cdcctl config show`']})
      }
    }
    return events.sort(byTime).slice(-lines).map((e) => e.message)
  }
}

interface GlueRun {
  Id?: string
  JobRunState?: string
  StartedOn?: Date
  CompletedOn?: Date
  ExecutionTime?: number
  ErrorMessage?: string
  Arguments?: Record<string, string>
}

function toJobRun(job: JobName, run: GlueRun): JobRun {
  const state = (['STARTING', 'RUNNING', 'STOPPING', 'SUCCEEDED', 'FAILED', 'STOPPED', 'TIMEOUT'].includes(run.JobRunState ?? '') ? run.JobRunState : run.JobRunState === 'ERROR' ? 'FAILED' : 'RUNNING') as RunState
  return {
    runId: run.Id ?? '',
    job,
    state,
    startedAt: (run.StartedOn ?? new Date()).toISOString(),
    endedAt: run.CompletedOn ? run.CompletedOn.toISOString() : null,
    durationSec: run.ExecutionTime ?? null,
    error: run.ErrorMessage ?? null,
    summary: null,
    args: Object.fromEntries(Object.entries(run.Arguments ?? {}).map(([k, v]) => [k.replace(/^--/, ''), v])),
  }
}
