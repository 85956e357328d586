import {CdcError} from '../errors'
import {sleep} from '../local/process'
import type {ConnectClient} from './client'

/** Pause and resume are asynchronous in Connect: wait until the connector and its tasks reach `state`. */
export async function waitForState(client: ConnectClient, name: string, state: 'PAUSED' | 'RUNNING', timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let seen = 'absent'
  while (Date.now() < deadline) {
    const status = await client.status(name)
    if (!status) throw new CdcError(`Connector ${name} is not registered`, {code: 'CONNECTOR_NOT_FOUND', actions: ['cdcctl connector register']})
    seen = status.connector.state
    if (seen === state && status.tasks.every((t) => t.state === state)) return state
    await sleep(300)
  }
  throw new CdcError(`Connector ${name} did not reach ${state} within ${timeoutMs / 1000}s (it is ${seen})`, {code: 'CONNECTOR_TIMEOUT', actions: ['cdcctl connector status']})
}
