import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {jobNames} from '../../lib/catalog'
import {jobArg, runIdArg} from '../../lib/jobs/flags'

export type JobLogsResult = {runId: string; lines: string[]}

export default class JobLogs extends BaseCommand<typeof JobLogs, JobLogsResult> {
  static summary = 'Print a run\'s log: the local log file, or CloudWatch Logs on aws.'
  static examples = [`<%= config.bin %> job logs ${jobNames()[1]} ${jobNames()[1]}-20261126011500-ab12 --lines 200`]
  static args = {job: jobArg, runId: runIdArg}
  static flags = {lines: Flags.integer({char: 'n', description: 'How many lines', default: 100, min: 1})}

  async run(): Promise<JobLogsResult> {
    const lines = await this.target().jobs().logs(this.args.job, this.args.runId, this.flags.lines)
    this.say(lines.join('\n'))
    return {runId: this.args.runId, lines}
  }
}
