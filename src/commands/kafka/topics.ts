import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {describeTopics, type TopicInfo} from '../../lib/kafka'
import {renderTable} from '../../lib/ui'

export type KafkaTopicsResult = {topics: TopicInfo[]}

export default class KafkaTopics extends BaseCommand<typeof KafkaTopics, KafkaTopicsResult> {
  static summary = 'List topics with partitions, message counts and end offsets.'
  static examples = ['<%= config.bin %> kafka topics', '<%= config.bin %> kafka topics --all --json']
  static flags = {all: Flags.boolean({description: 'Include internal topics (_connect-*, __consumer_offsets).', default: false})}

  async run(): Promise<KafkaTopicsResult> {
    const topics = await describeTopics(this.target().kafkaBrokers(), {includeInternal: this.flags.all})
    this.say(renderTable(topics.map((t) => ({...t, endOffsets: Object.entries(t.endOffsets).map(([p, o]) => `${p}:${o}`).join(' ')})), ['topic', 'partitions', 'messages', 'endOffsets'], ['topic', 'partitions', 'messages', 'end offsets']))
    return {topics}
  }
}
