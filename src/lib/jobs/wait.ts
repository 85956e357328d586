import {CdcError} from '../errors'
import {poll} from '../poll'
import {FINAL_STATES, type JobName, type JobRun, type JobRunner} from './types'

/** Follow a run with backoff (1 s doubling to 15 s) until it ends or the timeout passes (the run goes on). */
export function waitForRun(runner: JobRunner, job: JobName, runId: string, timeoutSec: number, onUpdate: (run: JobRun) => void): Promise<JobRun> {
  return poll(() => runner.get(job, runId), (run) => FINAL_STATES.includes(run.state), {
    timeoutMs: timeoutSec * 1000,
    intervalMs: 1000,
    backoff: 2,
    maxIntervalMs: 15_000,
    onUpdate,
    onTimeout: (run) => new CdcError(`Job ${job} run ${runId} is still ${run.state} after ${timeoutSec}s`, {code: 'JOB_TIMEOUT', actions: [`cdcctl job status ${job} ${runId}`, `cdcctl job logs ${job} ${runId}`]}),
  })
}
