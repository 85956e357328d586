import {BaseCommand} from '../base-command'
import {checkHealth, type HealthReport} from '../lib/health'
import {renderTable} from '../lib/ui'

export type HealthResult = HealthReport

export default class Health extends BaseCommand<typeof Health, HealthResult> {
  static summary = 'Check Postgres (slot and lag), Kafka (brokers, topics) and Connect (connector, tasks).'
  static description = 'Exits 1 when any check fails; warnings (such as slot lag over the threshold) do not fail.'
  static examples = ['<%= config.bin %> health', '<%= config.bin %> health --json', '<%= config.bin %> health --profile aws']

  async run(): Promise<HealthResult> {
    const progress = await this.progress('checking the pipeline')
    const report = await checkHealth(this.target())
    progress.stop()
    this.say(renderTable(report.checks as unknown as Record<string, unknown>[], ['component', 'check', 'status', 'detail']))
    for (const c of report.checks.filter((x) => x.status === 'warn')) this.warn(`${c.component} ${c.check}: ${c.detail}`)
    this.say(report.healthy ? 'Healthy.' : 'Unhealthy.')
    if (!report.healthy) this.markFailed()
    return report
  }
}
