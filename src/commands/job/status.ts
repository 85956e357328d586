import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {type JobName, type JobRun, JOB_NAMES} from '../../lib/jobs/types'
import {renderTable} from '../../lib/ui'

export type JobStatusResult = JobRun

export default class JobStatus extends BaseCommand<typeof JobStatus> {
  static summary = 'Show one run of a job: state, duration, error and summary.'
  static examples = ['<%= config.bin %> job status bronze-to-silver bronze-to-silver-20261126011500-ab12']
  static args = {
    job: Args.string({description: 'Job', options: JOB_NAMES, required: true}),
    runId: Args.string({description: 'Run id (from job run or job list)', required: true}),
  }

  async run(): Promise<JobStatusResult> {
    const run = await this.target().jobs().get(this.args.job as JobName, this.args.runId)
    this.say(renderTable([run as unknown as Record<string, unknown>], ['runId', 'state', 'startedAt', 'durationSec', 'error']))
    if (run.summary) this.say(JSON.stringify(run.summary))
    return run
  }
}
