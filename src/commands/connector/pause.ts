import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {waitForState} from '../../lib/connect/lifecycle'

export type ConnectorPauseResult = {connector: string; state: string}

export default class ConnectorPause extends BaseCommand<typeof ConnectorPause, ConnectorPauseResult> {
  static summary = 'Pause the connector (its slot is kept).'
  static examples = ['<%= config.bin %> connector pause']
  static args = {name: Args.string({description: 'Connector name (default: the profile\'s connector)'})}

  async run(): Promise<ConnectorPauseResult> {
    const target = this.target()
    const name = this.args.name ?? target.profile.connect.connector
    const client = target.connect()
    await client.pause(name)
    const state = await waitForState(client, name, 'PAUSED')
    this.say(`Connector ${name}: ${state}`)
    return {connector: name, state}
  }
}
