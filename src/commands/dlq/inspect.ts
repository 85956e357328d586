import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {topics} from '../../lib/catalog'
import {filterFlags, toFilter} from '../../lib/dlq/flags'
import {decode, originId} from '../../lib/dlq/record'
import {DlqStore} from '../../lib/dlq/store'

export interface InspectedRecord {
  origin: string
  topic: string
  partition: number
  offset: number
  key: string | null
  value: string | null
  encoding: string | null
  errorClass: string
  error: string
  failedAt: string
  replayCount: number
  dlqFile: string
  dlqLine: number
}

export type DlqInspectResult = {records: InspectedRecord[]}

export default class DlqInspect extends BaseCommand<typeof DlqInspect, DlqInspectResult> {
  static summary = 'Show dead-letter records: decoded key and value, error, origin topic/partition/offset.'
  static examples = ['<%= config.bin %> dlq inspect --limit 5', '<%= config.bin %> dlq inspect --error MALFORMED_JSON --json', `<%= config.bin %> dlq inspect --topic ${topics().at(-1)} --since 2026-11-25`]
  static flags = {...filterFlags, limit: Flags.integer({description: 'At most this many records.', default: 20, min: 1})}

  async run(): Promise<DlqInspectResult> {
    const records: InspectedRecord[] = []
    for await (const {file, line, record: r} of new DlqStore(this.target().store(), {onWarn: (m) => this.warn(m)}).records(toFilter(this.flags))) {
      if (records.length >= this.flags.limit) break
      // base64 values are shown decoded when they are text after all, else as base64.
      const value = r.encoding === 'base64' ? (decode(r.value, 'base64')?.toString('utf8') ?? null) : r.value
      records.push({origin: originId(r), topic: r.topic, partition: r.partition, offset: r.offset, key: r.key, value, encoding: r.encoding, errorClass: r.error_class, error: r.error, failedAt: r.failed_at, replayCount: r.replay_count ?? 0, dlqFile: file, dlqLine: line})
    }
    for (const r of records) {
      this.say(`${r.origin} ${r.errorClass}: ${r.error}  (failed ${r.failedAt}, replays ${r.replayCount})`)
      this.say(`  key:   ${r.key}`)
      this.say(`  value: ${r.value === null ? 'null' : r.value.length > 500 ? r.value.slice(0, 500) + '…' : r.value}`)
    }
    if (records.length === 0) this.say('No matching records.')
    return {records}
  }
}
