import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {topics} from '../../lib/catalog'
import {type ChangeSummary, formatChange} from '../../lib/envelope'
import {tailTopic} from '../../lib/kafka'

export type KafkaTailResult = {topic: string; events: ChangeSummary[]}

export default class KafkaTail extends BaseCommand<typeof KafkaTail, KafkaTailResult> {
  static summary = 'Print Debezium change events of a topic: operation, key and changed columns.'
  static examples = [
    `<%= config.bin %> kafka tail ${topics()[0]} --from-beginning --limit 10`,
    `<%= config.bin %> kafka tail ${topics().at(-1)}`,
    `<%= config.bin %> kafka tail ${topics()[1]} --from-beginning --limit 5 --json`,
  ]

  static args = {topic: Args.string({description: `Topic, e.g. ${topics()[0]}`, required: true})}
  static flags = {
    'from-beginning': Flags.boolean({description: 'Start at the oldest retained event instead of the end.', default: false}),
    limit: Flags.integer({description: 'Stop after this many events.', min: 1}),
    'idle-timeout': Flags.integer({description: 'Stop after this many seconds without an event (default: never, or 10 with --json/--limit).', min: 1}),
  }

  async run(): Promise<KafkaTailResult> {
    const json = this.jsonEnabled()
    const idle = this.flags['idle-timeout'] ?? (json || this.flags.limit ? 10 : undefined)
    const events = await tailTopic(this.target().kafkaBrokers(), this.args.topic, {
      fromBeginning: this.flags['from-beginning'],
      limit: this.flags.limit,
      idleMs: idle === undefined ? undefined : idle * 1000,
      onMessage: (e) => this.say(formatChange(e)),
    })
    return {topic: this.args.topic, events}
  }
}
