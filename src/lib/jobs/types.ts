export const JOBS = {
  'kafka-to-bronze': {script: 'kafka_to_bronze.py', streaming: true},
  'bronze-to-silver': {script: 'bronze_to_silver.py', streaming: false},
  'silver-to-gold': {script: 'silver_to_gold.py', streaming: false},
  'data-quality': {script: 'data_quality.py', streaming: false},
  'lake-maintenance': {script: 'lake_maintenance.py', streaming: false},
} as const

export type JobName = keyof typeof JOBS
export const JOB_NAMES = Object.keys(JOBS) as JobName[]

/** Glue's run states; the local runner maps a process to the same words. */
export type RunState = 'FAILED' | 'RUNNING' | 'STARTING' | 'STOPPED' | 'SUCCEEDED' | 'TIMEOUT'
export const FINAL_STATES: RunState[] = ['FAILED', 'STOPPED', 'SUCCEEDED', 'TIMEOUT']

export interface JobRun {
  runId: string
  job: JobName
  state: RunState
  startedAt: string
  endedAt: string | null
  durationSec: number | null
  error: string | null
  /** The job's one-line JSON summary (rows read/written, watermark…), when it printed one. */
  summary: Record<string, unknown> | null
  args: Record<string, string>
}

/** Runs jobs on a target: spark-submit locally, StartJobRun on Glue. */
export interface JobRunner {
  start(job: JobName, args: Record<string, string>): Promise<JobRun>
  get(job: JobName, runId: string): Promise<JobRun>
  list(job: JobName | undefined, limit: number): Promise<JobRun[]>
  logs(job: JobName, runId: string, lines: number): Promise<string[]>
}
