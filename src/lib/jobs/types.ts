import {jobNames} from '../catalog'
import {CdcError} from '../errors'

/** A job of the pipeline catalog (pipeline.yaml `jobs`). */
export type JobName = string

/** The catalog's job names, for argument validation and help. */
export const JOB_NAMES = (): string[] => jobNames()

/** Glue's run states; the local runner maps a process to the same words. */
export type RunState = 'FAILED' | 'RUNNING' | 'STARTING' | 'STOPPED' | 'STOPPING' | 'SUCCEEDED' | 'TIMEOUT'
export const FINAL_STATES: RunState[] = ['FAILED', 'STOPPED', 'SUCCEEDED', 'TIMEOUT']

/**
 * One run of a job at a time on both targets (Glue's max_concurrent_runs is 1): two runs of the
 * streaming job on one checkpoint fail each other, and two silver runs would race for a watermark.
 */
export function alreadyRunning(job: JobName, runId?: string): CdcError {
  const run = runId ? ` (run ${runId})` : ''
  return new CdcError(`${job} is already running${run}; a job runs one run at a time`, {
    code: 'JOB_ALREADY_RUNNING',
    actions: runId ? [`cdcctl job status ${job} ${runId}`, `cdcctl job stop ${job} ${runId}`] : [`cdcctl job list ${job}`, `cdcctl job stop ${job} <run id>`],
  })
}

export interface JobRun {
  runId: string
  job: JobName
  state: RunState
  startedAt: string
  endedAt: string | null
  durationSec: number | null
  error: string | null
  /** What the job wrote to {root}/jobs/<run id>.json when it ended (rows read/written, watermark…). */
  summary: Record<string, unknown> | null
  args: Record<string, string>
}

/** Runs jobs on a target: spark-submit locally, StartJobRun on Glue. */
export interface JobRunner {
  /** `args`: the job's arguments beyond what the target provides, already checked against the catalog. */
  start(job: JobName, args: Record<string, string>): Promise<JobRun>
  get(job: JobName, runId: string): Promise<JobRun>
  /** Newest first; only runs started with this `label` argument when one is given. */
  list(job: JobName | undefined, limit: number, label?: string): Promise<JobRun[]>
  logs(job: JobName, runId: string, lines: number): Promise<string[]>
  /** Ask a run to stop (a signal locally, BatchStopJobRun on Glue); returns the run as it is then. */
  stop(job: JobName, runId: string): Promise<JobRun>
}
