import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {waitForState} from '../../lib/connect/lifecycle'

export type ConnectorResumeResult = {connector: string; state: string}

export default class ConnectorResume extends BaseCommand<typeof ConnectorResume, ConnectorResumeResult> {
  static summary = 'Resume the connector (its slot is kept).'
  static examples = ['<%= config.bin %> connector resume']
  static args = {name: Args.string({description: 'Connector name (default: the profile\'s connector)'})}

  async run(): Promise<ConnectorResumeResult> {
    const target = this.target()
    const name = this.args.name ?? target.profile.connect.connector
    const client = target.connect()
    await client.resume(name)
    const state = await waitForState(client, name, 'RUNNING')
    this.say(`Connector ${name}: ${state}`)
    return {connector: name, state}
  }
}
