import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {type JobName, type JobRun, JOB_NAMES} from '../../lib/jobs/types'
import {renderTable} from '../../lib/ui'

export type JobListResult = {runs: JobRun[]}

export default class JobList extends BaseCommand<typeof JobList> {
  static summary = 'List recent job runs, newest first.'
  static examples = ['<%= config.bin %> job list', '<%= config.bin %> job list bronze-to-silver --limit 5 --json']
  static args = {job: Args.string({description: 'Only this job', options: JOB_NAMES})}
  static flags = {limit: Flags.integer({description: 'How many runs', default: 20, min: 1})}

  async run(): Promise<JobListResult> {
    const runs = await this.target().jobs().list(this.args.job as JobName | undefined, this.flags.limit)
    this.say(runs.length > 0 ? renderTable(runs as unknown as Record<string, unknown>[], ['job', 'runId', 'state', 'startedAt', 'durationSec']) : 'No runs yet (cdcctl job run <job>).')
    return {runs}
  }
}
