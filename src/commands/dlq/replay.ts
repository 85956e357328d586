import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {topics} from '../../lib/catalog'
import {filterFlags, toFilter} from '../../lib/dlq/flags'
import {replay, type ReplayResult} from '../../lib/dlq/replay'
import {DlqStore} from '../../lib/dlq/store'
import {confirm} from '../../lib/confirm'
import {renderTable} from '../../lib/ui'

export type DlqReplayResult = ReplayResult

export default class DlqReplay extends BaseCommand<typeof DlqReplay, DlqReplayResult> {
  static summary = 'Republish dead-letter records to their topic, each exactly once.'
  static description = `Each record goes to its original topic (or --to-topic) with its original key, so it lands in the same partition, with headers naming its origin and the replay run. A record counts as replayed only once Kafka acknowledged it (acks=all, idempotent producer); a ledger under {root}/dlq/_replayed/ makes a run that was killed half-way send only the rest when started again. Fully replayed DLQ files move to dlq/_replayed/archive/.`
  static examples = [
    '<%= config.bin %> dlq replay --dry-run',
    `<%= config.bin %> dlq replay --topic ${topics()[0]} --yes`,
    '<%= config.bin %> dlq replay --from-file fixed.jsonl --yes',
    '<%= config.bin %> dlq replay --error MALFORMED_JSON --rate 100 --limit 1000',
  ]

  static flags = {
    ...filterFlags,
    'from-file': Flags.file({description: 'Replay this JSONL file (a corrected `dlq export`) instead of the DLQ.', exists: true}),
    'to-topic': Flags.string({description: 'Publish to this topic instead of each record\'s original one.'}),
    limit: Flags.integer({description: 'At most this many records.', min: 1}),
    rate: Flags.integer({description: 'At most this many records per second.', min: 1}),
    'max-attempts': Flags.integer({description: 'Skip records already replayed this many times.', default: 3, min: 1}),
    force: Flags.boolean({description: 'Replay records past --max-attempts too.', default: false}),
    'dry-run': Flags.boolean({description: 'Show what would be sent; send and change nothing.', default: false}),
    yes: Flags.boolean({char: 'y', description: 'Replay without a question; required off a terminal and with --json.', default: false}),
  }

  async run(): Promise<DlqReplayResult> {
    const target = this.target()
    const dlq = new DlqStore(target.store(), {onWarn: (m) => this.warn(m)})
    const options = {
      filter: toFilter(this.flags),
      fromFile: this.flags['from-file'],
      toTopic: this.flags['to-topic'],
      limit: this.flags.limit,
      rate: this.flags.rate,
      maxAttempts: this.flags['max-attempts'],
      force: this.flags.force,
      onWarn: (m: string) => this.warn(m),
    }
    if (!this.flags['dry-run'] && !this.flags.yes) {
      const preview = await replay(dlq, target.kafkaBrokers(), {...options, dryRun: true})
      await confirm({action: `Replay ${preview.selected} record(s)${options.toTopic ? ` to ${options.toTopic}` : ''}`, yes: false, flag: '--yes', noPrompt: this.jsonEnabled()})
    }
    const progress = await this.progress('replaying')
    const result = await replay(dlq, target.kafkaBrokers(), {
      ...options,
      dryRun: this.flags['dry-run'],
      // progress only on a visible spinner (its total comes from the first pass)
      onProgress: progress.live ? (p) => progress.update(`sent ${p.sent}/${p.total} at ${Math.round(p.perSecond)}/s${p.etaSec === null ? '' : `, ETA ${p.etaSec}s`}`) : undefined,
    })
    progress.stop()
    if (result.alreadyReplayed > 0) this.warn(`${result.alreadyReplayed} record(s) of ${options.fromFile} were replayed by an earlier run and were not sent again`)
    if (result.skippedExhausted > 0) this.warn(`${result.skippedExhausted} record(s) were replayed ${options.maxAttempts} time(s) already and were skipped (--force replays them)`)
    if (result.dryRun) {
      this.say(`Would replay ${result.selected} record(s); nothing sent.`)
      if (result.preview.length > 0) this.say(renderTable(result.preview, ['origin', 'topic', 'key', 'error_class', 'replayCount']))
    } else {
      this.say(`Replayed ${result.sent} of ${result.selected} record(s) (run ${result.runId})${result.recovered ? `; ${result.recovered} from an interrupted run were already in Kafka and are now recorded` : ''}.`)
      if (result.archivedFiles.length > 0) this.say(`${result.archivedFiles.length} DLQ file(s) fully replayed and archived.`)
    }
    return result
  }
}
