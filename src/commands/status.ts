import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {usageError} from '../lib/errors'
import {type PipelineStatus, pipelineStatus, watchPipelineStatus} from '../lib/status'
import {renderTable} from '../lib/ui'

export type StatusResult = PipelineStatus

const AREAS: Record<string, string> = {source: 'Source', connector: 'Connector', topic: 'Topics (bronze read to)', job: 'Jobs (last run)', table: 'Lake tables', quality: 'Data quality', dlq: 'Dead-letter queue'}

export default class Status extends BaseCommand<typeof Status, StatusResult> {
  static summary = 'The whole pipeline on one screen: source slot and lag, connector, topic lag, last job runs, table freshness, data quality, DLQ.'
  static description = 'Ends with one verdict and its reason. Exits 1 when something is broken (a stopped connector or task, a missing or idle slot, a failed last run or data-quality check); warnings (lag, stale tables, DLQ records) do not fail it. Works on both targets: on aws the slot figures come from CloudWatch and the tables from the Glue catalog.'
  static examples = ['<%= config.bin %> status', '<%= config.bin %> status --watch', '<%= config.bin %> status --json', '<%= config.bin %> status --profile aws']

  static flags = {
    watch: Flags.boolean({char: 'w', description: 'Refresh in place until interrupted (Ctrl-C).', default: false}),
    interval: Flags.integer({description: 'Seconds between refreshes with --watch.', default: 5, min: 1}),
  }

  async run(): Promise<StatusResult> {
    if (this.flags.watch && this.jsonEnabled()) throw usageError('--watch refreshes a screen; --json prints one result', ['drop --watch, or call status --json on a schedule'])
    const target = this.target()
    if (this.flags.watch) {
      // like `kubectl get -w`: redraw the same screen in place until interrupted
      await watchPipelineStatus(target, this.flags.interval * 1000, (s) => {
        if (process.stdout.isTTY) process.stdout.write('\u001B[H\u001B[2J')
        this.show(s)
      })
    }
    const status = await pipelineStatus(target)
    this.show(status)
    if (status.verdict === 'fail') this.markFailed()
    return status
  }

  private show(status: PipelineStatus): void {
    for (const [area, title] of Object.entries(AREAS)) {
      const rows = status.rows.filter((r) => r.area === area)
      if (rows.length === 0) continue
      this.say(title)
      this.say(renderTable(rows.map((r) => ({...r, status: r.status === 'ok' ? 'ok' : r.status.toUpperCase()})), ['name', 'status', 'detail']))
    }
    this.say(`${status.verdict === 'ok' ? 'OK' : status.verdict === 'warn' ? 'WARN' : 'FAIL'}: ${status.reason} (checked ${status.checkedAt})`)
  }
}
