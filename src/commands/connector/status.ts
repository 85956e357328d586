import {Args} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import type {ConnectorStatus} from '../../lib/connect/client'
import {snapshotProgress, type SnapshotProgress} from '../../lib/connect/snapshot'
import {CdcError, firstLine} from '../../lib/errors'
import {renderTable} from '../../lib/ui'

export type ConnectorStatusResult = {connector: string; state: string; tasks: {id: number; state: string; worker: string; error: string | null}[]; snapshot: SnapshotProgress}

export default class ConnectorStatusCommand extends BaseCommand<typeof ConnectorStatusCommand, ConnectorStatusResult> {
  static summary = 'Show the connector and task states, errors, and incremental snapshot progress.'
  static examples = ['<%= config.bin %> connector status', '<%= config.bin %> connector status --json']
  static args = {name: Args.string({description: 'Connector name (default: the profile\'s connector)'})}

  async run(): Promise<ConnectorStatusResult> {
    const target = this.target()
    const name = this.args.name ?? target.profile.connect.connector
    const client = target.connect()
    const status: ConnectorStatus | undefined = await client.status(name)
    if (!status) throw new CdcError(`Connector ${name} is not registered`, {code: 'CONNECTOR_NOT_FOUND', actions: ['cdcctl connector register']})
    const snapshot = snapshotProgress((await client.offsets(name).catch(() => ({offsets: []}))).offsets)
    const tasks = status.tasks.map((t) => ({id: t.id, state: t.state, worker: t.worker_id, error: t.trace ? firstLine(t.trace) : null}))
    this.say(`Connector ${name}: ${status.connector.state}`)
    this.say(renderTable(tasks, ['id', 'state', 'worker', 'error']))
    if (snapshot.running) this.say(`Incremental snapshot: ${snapshot.tables.join(', ')} at key ${snapshot.lastKey ?? '-'} of ${snapshot.maxKey ?? '-'}`)
    if (this.flags.verbose) for (const t of status.tasks.filter((x) => x.trace)) this.say(t.trace as string)
    return {connector: name, state: status.connector.state, tasks, snapshot}
  }
}
