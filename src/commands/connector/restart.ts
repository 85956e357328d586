import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {waitForRunning} from '../../lib/connect/register'

export type ConnectorRestartResult = {connector: string; state: string; tasks: {id: number; state: string}[]}

export default class ConnectorRestart extends BaseCommand<typeof ConnectorRestart, ConnectorRestartResult> {
  static summary = 'Restart the connector, and optionally its tasks or only the failed ones.'
  static examples = ['<%= config.bin %> connector restart --include-tasks', '<%= config.bin %> connector restart --failed-only']
  static args = {name: Args.string({description: 'Connector name (default: the profile\'s connector)'})}
  static flags = {
    'include-tasks': Flags.boolean({description: 'Restart the tasks too.', default: true, allowNo: true}),
    'failed-only': Flags.boolean({description: 'Restart only instances that have FAILED.', default: false}),
    timeout: Flags.integer({description: 'Seconds to wait for RUNNING.', default: 90, min: 1}),
  }

  async run(): Promise<ConnectorRestartResult> {
    const target = this.target()
    const name = this.args.name ?? target.profile.connect.connector
    const client = target.connect()
    await client.restart(name, {includeTasks: this.flags['include-tasks'], onlyFailed: this.flags['failed-only']})
    const status = await waitForRunning(client, name, this.flags.timeout * 1000)
    this.say(`Connector ${name} restarted: ${status.connector.state}`)
    return {connector: name, state: status.connector.state, tasks: status.tasks.map((t) => ({id: t.id, state: t.state}))}
  }
}
