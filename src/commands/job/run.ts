import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {parseJobArgs} from '../../lib/jobs/args'
import {type JobName, type JobRun, JOB_NAMES} from '../../lib/jobs/types'
import {waitForRun} from '../../lib/jobs/wait'

export type JobRunResult = JobRun

export default class JobRunCommand extends BaseCommand<typeof JobRunCommand> {
  static summary = 'Run a lakehouse job: spark-submit locally, a Glue job run on aws.'
  static description = 'Waits for the run by default and exits 1 when it fails, with the job\'s error.'
  static examples = [
    '<%= config.bin %> job run kafka-to-bronze',
    '<%= config.bin %> job run bronze-to-silver --no-wait',
    '<%= config.bin %> job run silver-to-gold --profile aws --timeout 1800',
    '<%= config.bin %> job run kafka-to-bronze --arg trigger=once --arg starting-offsets=earliest',
  ]

  static args = {job: Args.string({description: 'Job', options: JOB_NAMES, required: true})}
  static flags = {
    wait: Flags.boolean({description: 'Wait until the run ends.', default: true, allowNo: true}),
    timeout: Flags.integer({description: 'Seconds to wait before giving up (the run goes on).', default: 3600, min: 1}),
    arg: Flags.string({description: 'Job argument key=value (repeatable).', multiple: true, default: []}),
  }

  async run(): Promise<JobRunResult> {
    const job = this.args.job as JobName
    const runner = this.target().jobs()
    const started = await runner.start(job, parseJobArgs(this.flags.arg))
    this.say(`Started ${job} run ${started.runId}`)
    if (!this.flags.wait) return started
    const progress = await this.progress(`${job}: ${started.state}`)
    const run = await waitForRun(runner, job, started.runId, this.flags.timeout, (r) => progress.update(`${job}: ${r.state} (${r.durationSec ?? 0}s)`))
    progress.stop()
    if (run.state === 'SUCCEEDED') {
      this.say(`${job} ${run.runId} SUCCEEDED in ${run.durationSec}s${run.summary ? ` ${JSON.stringify(run.summary)}` : ''}`)
    } else {
      this.say(`${job} ${run.runId} ${run.state}: ${run.error ?? 'no error message'} (cdcctl job logs ${job} ${run.runId})`)
      process.exitCode = 1
    }
    return run
  }
}
