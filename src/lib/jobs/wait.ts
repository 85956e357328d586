import {CdcError} from '../errors'
import {sleep} from '../local/process'
import {FINAL_STATES, type JobName, type JobRun, type JobRunner} from './types'

/** Poll a run with backoff (1s doubling to 15s) until it ends or the timeout passes. */
export async function waitForRun(runner: JobRunner, job: JobName, runId: string, timeoutSec: number, onUpdate: (run: JobRun) => void): Promise<JobRun> {
  const deadline = Date.now() + timeoutSec * 1000
  let delay = 1000
  for (;;) {
    const run = await runner.get(job, runId)
    onUpdate(run)
    if (FINAL_STATES.includes(run.state)) return run
    if (Date.now() > deadline) {
      throw new CdcError(`Job ${job} run ${runId} is still ${run.state} after ${timeoutSec}s`, {code: 'JOB_TIMEOUT', actions: [`cdcctl job status ${job} ${runId}`, `cdcctl job logs ${job} ${runId}`]})
    }
    await sleep(delay)
    delay = Math.min(delay * 2, 15_000)
  }
}
