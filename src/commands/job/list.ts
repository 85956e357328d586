import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {jobNames} from '../../lib/catalog'
import {optionalJobArg} from '../../lib/jobs/flags'
import type {JobRun} from '../../lib/jobs/types'
import {renderTable} from '../../lib/ui'

export type JobListResult = {runs: JobRun[]}

export default class JobList extends BaseCommand<typeof JobList, JobListResult> {
  static summary = 'List recent job runs, newest first.'
  static examples = ['<%= config.bin %> job list', `<%= config.bin %> job list ${jobNames()[1]} --limit 5 --json`, '<%= config.bin %> job list --label scheduled__2026-12-01T10:00:00+00:00']
  static args = {job: optionalJobArg}
  static flags = {
    limit: Flags.integer({description: 'How many runs', default: 20, min: 1}),
    label: Flags.string({description: 'Only runs started with this --label.'}),
  }

  async run(): Promise<JobListResult> {
    const runs = await this.target().jobs().list(this.args.job, this.flags.limit, this.flags.label)
    this.say(runs.length > 0 ? renderTable(runs as unknown as Record<string, unknown>[], ['job', 'runId', 'state', 'startedAt', 'durationSec']) : 'No runs yet (cdcctl job run <job>).')
    return {runs}
  }
}
