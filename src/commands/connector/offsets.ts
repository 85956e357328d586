import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command'

export type ConnectorOffsetsResult = {connector: string; offsets: {partition: Record<string, unknown>; offset: Record<string, unknown>}[]}

export default class ConnectorOffsets extends BaseCommand<typeof ConnectorOffsets, ConnectorOffsetsResult> {
  static summary = 'Show the connector\'s source offsets (the LSN it has committed).'
  static examples = ['<%= config.bin %> connector offsets', '<%= config.bin %> connector offsets --json']
  static args = {name: Args.string({description: 'Connector name (default: the profile\'s connector)'})}

  async run(): Promise<ConnectorOffsetsResult> {
    const target = this.target()
    const name = this.args.name ?? target.profile.connect.connector
    const {offsets} = await target.connect().offsets(name)
    for (const o of offsets) this.say(`${JSON.stringify(o.partition)} -> ${JSON.stringify(o.offset)}`)
    if (offsets.length === 0) this.say('No offsets committed yet.')
    return {connector: name, offsets}
  }
}
