import {BaseCommand} from '../../base-command'
import {topics} from '../../lib/catalog'
import {filterFlags, toFilter} from '../../lib/dlq/flags'
import {type DlqStats, dlqStats} from '../../lib/dlq/stats'
import {DlqStore} from '../../lib/dlq/store'
import {formatBytes, renderTable} from '../../lib/ui'

export type DlqListResult = DlqStats

export default class DlqList extends BaseCommand<typeof DlqList, DlqListResult> {
  static summary = 'Count dead-letter records by topic, error class and day.'
  static examples = ['<%= config.bin %> dlq list', `<%= config.bin %> dlq list --topic ${topics()[0]} --since 24h --json`]
  static flags = {...filterFlags}

  async run(): Promise<DlqListResult> {
    const stats = await dlqStats(new DlqStore(this.target().store(), {onWarn: (m) => this.warn(m)}), toFilter(this.flags))
    if (stats.total === 0) {
      this.say('The dead-letter queue is empty.')
      return stats
    }
    this.say(`${stats.total} record(s), ${formatBytes(stats.bytes)}, failed between ${stats.oldest} and ${stats.newest}`)
    const rows = (by: Record<string, number>, name: string): Record<string, unknown>[] => Object.entries(by).map(([k, n]) => ({[name]: k, records: n}))
    this.say(renderTable(rows(stats.byTopic, 'topic'), ['topic', 'records']))
    this.say(renderTable(rows(stats.byErrorClass, 'error class'), ['error class', 'records']))
    this.say(renderTable(rows(stats.byDay, 'day'), ['day', 'records']))
    return stats
  }
}
