import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {requestSnapshot, type SnapshotRequest} from '../../lib/connect/snapshot'

export type ConnectorSnapshotResult = SnapshotRequest

export default class ConnectorSnapshot extends BaseCommand<typeof ConnectorSnapshot, ConnectorSnapshotResult> {
  static summary = 'Start an incremental snapshot (backfill) of tables through Debezium\'s signal table.'
  static description = 'Streaming continues while the snapshot runs; `cdcctl connector status` shows its progress.'
  static examples = ['<%= config.bin %> connector snapshot users', '<%= config.bin %> connector snapshot users orders']
  static strict = false
  static args = {table: Args.string({description: 'Tables to snapshot (users, products, orders)', required: true})}

  async run(): Promise<ConnectorSnapshotResult> {
    const result = await requestSnapshot(this.target(), this.positional)
    this.say(`Requested an incremental snapshot of ${result.tables.join(', ')} (signal ${result.signalId}). Follow it with: cdcctl connector status`)
    return result
  }
}
