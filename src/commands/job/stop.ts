import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {jobNames} from '../../lib/catalog'
import {optionalJobArg, optionalRunIdArg} from '../../lib/jobs/flags'
import {stopRuns} from '../../lib/jobs/stop'
import type {JobRun} from '../../lib/jobs/types'
import {renderTable} from '../../lib/ui'

export type JobStopResult = {runs: JobRun[]}

export default class JobStop extends BaseCommand<typeof JobStop, JobStopResult> {
  static summary = 'Stop a job run, or every unfinished run with a label: a signal locally, BatchStopJobRun on Glue.'
  static description = 'A run that already ended is left as it is. The DAG\'s cleanup task stops what its own run started (--label <dag run id>).'
  static examples = [
    `<%= config.bin %> job stop ${jobNames()[0]} ${jobNames()[0]}-20261126011500-ab12`,
    '<%= config.bin %> job stop --label scheduled__2026-12-01T10:00:00+00:00 --json',
  ]

  static args = {
    job: optionalJobArg,
    runId: optionalRunIdArg,
  }

  static flags = {label: Flags.string({description: 'Stop every unfinished run started with this --label (of the job, when one is given).'})}

  async run(): Promise<JobStopResult> {
    const runs = await stopRuns(this.target().jobs(), {job: this.args.job, runId: this.args.runId, label: this.flags.label})
    this.say(runs.length > 0 ? renderTable(runs as unknown as Record<string, unknown>[], ['job', 'runId', 'state']) : 'No unfinished run matched; nothing to stop.')
    return {runs}
  }
}
