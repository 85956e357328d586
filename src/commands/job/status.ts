import {BaseCommand} from '../../base-command'
import {jobNames} from '../../lib/catalog'
import {jobArg, runIdArg} from '../../lib/jobs/flags'
import type {JobRun} from '../../lib/jobs/types'
import {renderTable} from '../../lib/ui'

export type JobStatusResult = JobRun

export default class JobStatus extends BaseCommand<typeof JobStatus, JobStatusResult> {
  static summary = 'Show one run of a job: state, duration, error and summary.'
  static examples = [`<%= config.bin %> job status ${jobNames()[1]} ${jobNames()[1]}-20261126011500-ab12`]
  static args = {job: jobArg, runId: runIdArg}

  async run(): Promise<JobStatusResult> {
    const run = await this.target().jobs().get(this.args.job, this.args.runId)
    this.say(renderTable([run as unknown as Record<string, unknown>], ['runId', 'state', 'startedAt', 'durationSec', 'error']))
    if (run.summary) this.say(JSON.stringify(run.summary))
    return run
  }
}
