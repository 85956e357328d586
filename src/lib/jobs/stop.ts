import {jobNames} from '../catalog'
import {usageError} from '../errors'
import {FINAL_STATES, type JobRun, type JobRunner} from './types'

export interface StopRequest {
  job?: string
  runId?: string
  /** Every run started with this label that has not ended (the DAG's cleanup passes its run id). */
  label?: string
}

/** Stop one run, or every unfinished run carrying a label; runs that already ended are left as they are. */
export async function stopRuns(runner: JobRunner, request: StopRequest): Promise<JobRun[]> {
  if (request.runId !== undefined) {
    if (!request.job) throw usageError('Stopping a run by id needs its job', [`cdcctl job stop <job> ${request.runId}`])
    return [await runner.stop(request.job, request.runId)]
  }
  if (request.label === undefined) throw usageError('Say which runs to stop: a job and run id, or --label', ['cdcctl job stop <job> <run id>', 'cdcctl job stop --label <label>'])
  const jobs = request.job ? [request.job] : jobNames()
  const stopped: JobRun[] = []
  for (const job of jobs) {
    for (const run of await runner.list(job, 200, request.label)) {
      if (!FINAL_STATES.includes(run.state)) stopped.push(await runner.stop(job, run.runId))
    }
  }
  return stopped
}
