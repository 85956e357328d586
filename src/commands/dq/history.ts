import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {type DqHistoryEntry, listReports} from '../../lib/dq'
import {renderTable} from '../../lib/ui'

export interface DqHistoryResult {
  runs: DqHistoryEntry[]
}

export default class DqHistory extends BaseCommand<typeof DqHistory, DqHistoryResult> {
  static summary = 'List past data-quality reports ({root}/dq/results/), newest first.'
  static examples = ['<%= config.bin %> dq history', '<%= config.bin %> dq history --limit 5 --json', '<%= config.bin %> dq history --profile aws']

  static flags = {
    limit: Flags.integer({description: 'How many reports to show.', default: 20, min: 1}),
  }

  async run(): Promise<DqHistoryResult> {
    const runs = await listReports(this.target().store(), this.flags.limit, (m) => this.warn(m))
    if (runs.length === 0) {
      this.say('No data-quality reports yet. Try: cdcctl dq check')
    } else {
      this.say(renderTable(runs.map((r) => ({
        ...r,
        result: r.passed ? 'passed' : 'FAILED',
        tally: `${r.counts.passed} pass, ${r.counts.fail} fail, ${r.counts.warn} warn, ${r.counts.error} error`,
        failing: r.failing.length > 0 ? r.failing.join(', ') : '-',
      })), ['runId', 'startedAt', 'result', 'tally', 'failing'], ['run', 'started', 'result', 'rules', 'failing rules']))
    }
    return {runs}
  }
}
