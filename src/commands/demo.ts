import {BaseCommand} from '../base-command'
import {type DemoResult, runDemo} from '../lib/demo/run'
import {formatChange, opName} from '../lib/envelope'
import {renderTable} from '../lib/ui'

export type DemoCommandResult = DemoResult

export default class Demo extends BaseCommand<typeof Demo, DemoCommandResult> {
  static summary = 'Run the pipeline end to end on this machine and show the changes arriving.'
  static description = 'Starts the local stack, registers the connector, makes inserts, updates and deletes in Postgres, runs kafka-to-bronze, bronze-to-silver and silver-to-gold on local Spark, and prints the gold tables and one user\'s SCD2 history.'
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
    this.say('Jobs:')
    this.say(renderTable(result.jobs, ['job', 'runId', 'state', 'durationSec']))
    for (const [table, rows] of Object.entries(result.report.gold)) {
      this.say(`${table} (first ${rows.length} rows):`)
      if (rows.length > 0) this.say(renderTable(rows, Object.keys(rows[0])))
    }
    const {table, key} = result.report.historyOf
    this.say(`SCD2 history of ${table} id=${key} in silver_${table}:`)
    if (result.report.history.length > 0) this.say(renderTable(result.report.history, Object.keys(result.report.history[0])))
    return result
  }
}
