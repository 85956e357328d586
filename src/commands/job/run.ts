import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {jobNames} from '../../lib/catalog'
import {parseJobArgs} from '../../lib/jobs/arguments'
import {jobArg} from '../../lib/jobs/flags'
import {summaryWarnings} from '../../lib/jobs/summary'
import type {JobRun} from '../../lib/jobs/types'
import {waitForRun} from '../../lib/jobs/wait'

export type JobRunResult = JobRun

export default class JobRunCommand extends BaseCommand<typeof JobRunCommand, JobRunResult> {
  static summary = 'Run a lakehouse job: spark-submit locally, a Glue job run on aws.'
  static description = 'Waits for the run by default and exits 1 when it fails, with the job\'s error. Job arguments (--arg) are those pipeline.yaml declares for the job; anything else is refused.'
  static examples = [
    `<%= config.bin %> job run ${jobNames()[0]}`,
    `<%= config.bin %> job run ${jobNames()[1]} --no-wait`,
    `<%= config.bin %> job run ${jobNames()[1]} --profile aws --timeout 1800`,
    `<%= config.bin %> job run ${jobNames()[0]} --arg key=value --label nightly`,
  ]

  static args = {job: jobArg}
  static flags = {
    wait: Flags.boolean({description: 'Wait until the run ends.', default: true, allowNo: true}),
    timeout: Flags.integer({description: 'Seconds to wait before giving up (the run goes on).', default: 3600, min: 1}),
    arg: Flags.string({description: 'Job argument key=value (repeatable); see pipeline.yaml for each job\'s.', multiple: true, default: []}),
    label: Flags.string({description: 'Tag the run (e.g. the scheduler\'s run id), so `job list --label` and `job stop --label` find it.'}),
  }

  async run(): Promise<JobRunResult> {
    const job = this.args.job
    const args = parseJobArgs(job, this.flags.arg)
    const runner = this.target().jobs()
    const started = await runner.start(job, this.flags.label === undefined ? args : {...args, label: this.flags.label})
    this.say(`Started ${job} run ${started.runId}`)
    if (!this.flags.wait) return started
    const progress = await this.progress(`${job}: ${started.state}`)
    const run = await waitForRun(runner, job, started.runId, this.flags.timeout, (r) => progress.update(`${job}: ${r.state} (${r.durationSec ?? 0}s)`))
    progress.stop()
    for (const warning of summaryWarnings(run)) this.warn(warning)
    if (run.state === 'SUCCEEDED') {
      this.say(`${job} ${run.runId} SUCCEEDED in ${run.durationSec}s${run.summary ? ` ${JSON.stringify(run.summary)}` : ''}`)
    } else {
      this.say(`${job} ${run.runId} ${run.state}: ${run.error ?? 'no error message'} (cdcctl job logs ${job} ${run.runId})`)
      this.markFailed()
    }
    return run
  }
}
