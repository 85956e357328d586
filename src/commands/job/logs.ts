import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {type JobName, JOB_NAMES} from '../../lib/jobs/types'

export type JobLogsResult = {runId: string; lines: string[]}

export default class JobLogs extends BaseCommand<typeof JobLogs> {
  static summary = 'Print a run\'s log: the local log file, or CloudWatch Logs on aws.'
  static examples = ['<%= config.bin %> job logs bronze-to-silver bronze-to-silver-20261126011500-ab12 --lines 200']
  static args = {
    job: Args.string({description: 'Job', options: JOB_NAMES, required: true}),
    runId: Args.string({description: 'Run id', required: true}),
  }

  static flags = {lines: Flags.integer({char: 'n', description: 'How many lines', default: 100, min: 1})}

  async run(): Promise<JobLogsResult> {
    const lines = await this.target().jobs().logs(this.args.job as JobName, this.args.runId, this.flags.lines)
    this.say(lines.join('\n'))
    return {runId: this.args.runId, lines}
  }
}
