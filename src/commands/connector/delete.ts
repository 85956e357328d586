import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {confirm} from '../../lib/confirm'
import {type DeleteResult, deleteConnector} from '../../lib/connect/lifecycle'

export type ConnectorDeleteResult = DeleteResult & {dryRun: boolean}

export default class ConnectorDelete extends BaseCommand<typeof ConnectorDelete, ConnectorDeleteResult> {
  static summary = 'Delete the connector (confirm by name); optionally drop its replication slot.'
  static description = 'A deleted connector leaves its slot behind, and the slot keeps WAL until dropped: --drop-slot drops it. Asks on a terminal; elsewhere pass --confirm NAME.'
  static examples = ['<%= config.bin %> connector delete --confirm cdc-postgres', '<%= config.bin %> connector delete --confirm cdc-postgres --drop-slot', '<%= config.bin %> connector delete --dry-run']
  static args = {name: Args.string({description: 'Connector name (default: the profile\'s connector)'})}
  static flags = {
    confirm: Flags.string({description: 'The connector name, to confirm without a question.'}),
    'drop-slot': Flags.boolean({description: 'Also drop the replication slot (the next register snapshots again).', default: false}),
    'dry-run': Flags.boolean({description: 'Say what would be deleted and change nothing.', default: false}),
  }

  async run(): Promise<ConnectorDeleteResult> {
    const target = this.target()
    const name = this.args.name ?? target.profile.connect.connector
    const what = `Delete connector ${name}${this.flags['drop-slot'] ? ` and drop slot ${target.profile.connect.slot}` : ''}`
    if (this.flags['dry-run']) {
      this.say(`Would ${what.charAt(0).toLowerCase()}${what.slice(1)}`)
      return {connector: name, deleted: false, slotDropped: false, dryRun: true}
    }
    await confirm({action: what, name, confirmed: this.flags.confirm, flag: `--confirm ${name}`, noPrompt: this.jsonEnabled()})
    const result = await deleteConnector(target, name, this.flags['drop-slot'])
    this.say(`Deleted connector ${name}${result.slotDropped ? ` and dropped slot ${target.profile.connect.slot}` : ''}`)
    return {...result, dryRun: false}
  }
}
