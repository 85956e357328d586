import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {usageError} from '../../lib/errors'
import {withPostgres} from '../../lib/postgres'

export type ConnectorDeleteResult = {connector: string; deleted: boolean; slotDropped: boolean; dryRun: boolean}

export default class ConnectorDelete extends BaseCommand<typeof ConnectorDelete> {
  static summary = 'Delete the connector (confirm by name); optionally drop its replication slot.'
  static description = 'A deleted connector leaves its slot behind, and the slot keeps WAL until dropped: --drop-slot drops it.'
  static examples = ['<%= config.bin %> connector delete --confirm cdc-postgres', '<%= config.bin %> connector delete --confirm cdc-postgres --drop-slot']
  static args = {name: Args.string({description: 'Connector name (default: the profile\'s connector)'})}
  static flags = {
    confirm: Flags.string({description: 'The connector name, to confirm.'}),
    'drop-slot': Flags.boolean({description: 'Also drop the replication slot (the next register snapshots again).'}),
    'dry-run': Flags.boolean({description: 'Say what would be deleted and change nothing.'}),
  }

  async run(): Promise<ConnectorDeleteResult> {
    const target = this.target()
    const name = this.args.name ?? target.profile.connect.connector
    if (this.flags['dry-run']) {
      this.say(`Would delete connector ${name}${this.flags['drop-slot'] ? ` and drop slot ${target.profile.connect.slot}` : ''}`)
      return {connector: name, deleted: false, slotDropped: false, dryRun: true}
    }
    if (this.flags.confirm !== name) throw usageError(`Deleting connector ${name} needs --confirm ${name}`, [`cdcctl connector delete --confirm ${name}`])
    await target.connect().delete(name)
    let slotDropped = false
    if (this.flags['drop-slot']) {
      const slot = target.profile.connect.slot
      // The task releases the slot asynchronously after the delete; retry until it is inactive.
      slotDropped = await withPostgres(await target.dbCredentials(), async (client) => {
        for (let i = 0; i < 40; i++) {
          const res = await client.query<{dropped: boolean}>('SELECT pg_drop_replication_slot(slot_name) IS NULL AS dropped FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slot])
          if ((res.rowCount ?? 0) > 0) return true
          const exists = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot])
          if (exists.rowCount === 0) return false
          await new Promise((r) => setTimeout(r, 500))
        }
        return false
      })
    }
    this.say(`Deleted connector ${name}${slotDropped ? ` and dropped slot ${target.profile.connect.slot}` : ''}`)
    return {connector: name, deleted: true, slotDropped, dryRun: false}
  }
}
