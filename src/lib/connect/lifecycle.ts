import {CdcError} from '../errors'
import {poll} from '../poll'
import {withPostgres} from '../postgres'
import type {Target} from '../targets/types'
import type {ConnectClient, ConnectorStatus} from './client'

/** Pause and resume are asynchronous in Connect: wait until the connector and its tasks reach `state`. */
export async function waitForState(client: ConnectClient, name: string, state: 'PAUSED' | 'RUNNING' | 'STOPPED', timeoutMs = 30_000): Promise<string> {
  await poll(async () => {
    const status = await client.status(name)
    if (!status) throw new CdcError(`Connector ${name} is not registered`, {code: 'CONNECTOR_NOT_FOUND', actions: ['cdcctl connector register']})
    return status
  }, (s: ConnectorStatus) => s.connector.state === state && s.tasks.every((t) => t.state === state), {
    timeoutMs,
    intervalMs: 300,
    onTimeout: (s) => new CdcError(`Connector ${name} did not reach ${state} within ${timeoutMs / 1000}s (it is ${s.connector.state})`, {code: 'CONNECTOR_TIMEOUT', actions: ['cdcctl connector status']}),
  })
  return state
}

export interface DeleteResult {
  connector: string
  deleted: boolean
  slotDropped: boolean
}

/**
 * Delete the connector and, with dropSlot, its replication slot (which otherwise keeps WAL until
 * dropped) and its committed offsets: those name positions in the dropped slot, so a connector
 * registered again under the name would refuse to start instead of taking a new snapshot. The task
 * releases the slot asynchronously after the delete, so the drop is retried while the slot is active.
 */
export async function deleteConnector(target: Target, name: string, dropSlot: boolean): Promise<DeleteResult> {
  const client = target.connect()
  if (dropSlot) {
    await client.stop(name)
    await waitForState(client, name, 'STOPPED')
    await client.resetOffsets(name)
  }
  await client.delete(name)
  if (!dropSlot) return {connector: name, deleted: true, slotDropped: false}
  const {slot} = target.profile.connect
  const outcome = await withPostgres(await target.dbCredentials(), (client) =>
    poll(async () => {
      const dropped = await client.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slot])
      if ((dropped.rowCount ?? 0) > 0) return 'dropped'
      const exists = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot])
      return exists.rowCount === 0 ? 'absent' : 'active'
    }, (o) => o !== 'active', {
      timeoutMs: 20_000,
      intervalMs: 500,
      onTimeout: () => new CdcError(`Connector ${name} was deleted but slot ${slot} is still in use after 20s; it keeps WAL until dropped`, {code: 'SLOT_IN_USE', actions: [`SELECT pg_drop_replication_slot('${slot}') once nothing reads it`, 'cdcctl health']}),
    }),
  )
  return {connector: name, deleted: true, slotDropped: outcome === 'dropped'}
}
