import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {topics} from '../../lib/catalog'
import {exportRecords} from '../../lib/dlq/export'
import {filterFlags, toFilter} from '../../lib/dlq/flags'
import {DlqStore} from '../../lib/dlq/store'

export type DlqExportResult = {file: string; records: number}

export default class DlqExport extends BaseCommand<typeof DlqExport, DlqExportResult> {
  static summary = 'Export dead-letter records to a JSONL file, to correct by hand and replay with --from-file.'
  static examples = ['<%= config.bin %> dlq export --out dlq.jsonl', `<%= config.bin %> dlq export --out fix.jsonl --topic ${topics()[0]} --error MISSING_FIELD`]
  static flags = {
    ...filterFlags,
    out: Flags.string({char: 'o', description: 'JSONL file to write.', required: true}),
    limit: Flags.integer({description: 'At most this many records.', min: 1}),
  }

  async run(): Promise<DlqExportResult> {
    const result = await exportRecords(new DlqStore(this.target().store(), {onWarn: (m) => this.warn(m)}), toFilter(this.flags), this.flags.out, this.flags.limit)
    this.say(`Exported ${result.records} record(s) to ${result.file}. Correct them, then: cdcctl dlq replay --from-file ${this.flags.out}`)
    return result
  }
}
