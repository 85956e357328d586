import {BaseCommand} from '../../base-command'
import {renderTable} from '../../lib/ui'

export type ConnectorListResult = {connectors: {name: string; state: string; tasks: string}[]}

export default class ConnectorList extends BaseCommand<typeof ConnectorList, ConnectorListResult> {
  static summary = 'List connectors on the Kafka Connect cluster with their states.'
  static examples = ['<%= config.bin %> connector list', '<%= config.bin %> connector list --json']

  async run(): Promise<ConnectorListResult> {
    const client = this.target().connect()
    const connectors = []
    for (const name of (await client.list()).sort()) {
      const s = await client.status(name)
      connectors.push({name, state: s?.connector.state ?? 'UNKNOWN', tasks: s?.tasks.map((t) => `${t.id}:${t.state}`).join(' ') ?? ''})
    }
    this.say(connectors.length > 0 ? renderTable(connectors, ['name', 'state', 'tasks']) : 'No connectors registered (cdcctl connector register).')
    return {connectors}
  }
}
