import {BaseCommand} from '../base-command'
import {type DemoResult, runDemo} from '../lib/demo/run'
import {formatChange, opName} from '../lib/envelope'
import {renderTable} from '../lib/ui'

export type DemoCommandResult = DemoResult

export default class Demo extends BaseCommand<typeof Demo> {
  static summary = 'Run the pipeline end to end on this machine and show the changes arriving.'
  static description = 'Starts the local stack, registers the connector, makes inserts, updates and deletes in Postgres, and shows their Debezium events in Kafka.'
  static examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --json']

  async run(): Promise<DemoCommandResult> {
    const progress = await this.progress('starting the demo')
    const result = await runDemo(this.target(), {onStep: (s) => (this.flags.verbose ? this.say(`- ${s}`) : progress.update(s)), quiet: this.jsonEnabled()})
    progress.stop('demo complete')
    const rows = result.changes.flatMap((r) => Object.entries(r.counts).map(([table, c]) => ({round: r.round, table, ...c})))
    this.say('Changes made in Postgres:')
    this.say(renderTable(rows, ['round', 'table', 'inserted', 'updated', 'deleted']))
    this.say('Debezium events that arrived in Kafka:')
    this.say(renderTable(Object.entries(result.events).map(([topic, ops]) => ({topic, events: Object.entries(ops).map(([op, n]) => `${opName(op)}=${n}`).join(' ')})), ['topic', 'events']))
    this.say('Some of them:')
    for (const e of result.samples) this.say('  ' + formatChange(e))
    return result
  }
}
