import {expect} from 'chai'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {ConnectClient} from '../../src/lib/connect/client'
import {CdcError} from '../../src/lib/errors'

// The retry policy in isolation: an HTTP server that answers 409 a set number of times, as a
// rebalancing Connect worker does. Behaviour against real Connect is in test/integration.
function conflictServer(conflicts: number): Promise<{server: Server; url: string; calls: () => number}> {
  let calls = 0
  const server = createServer((_req, res) => {
    calls++
    if (calls <= conflicts) {
      res.writeHead(409, {'content-type': 'application/json'}).end('{"error_code":409,"message":"Cannot complete request momentarily due to stale configuration"}')
    } else {
      res.writeHead(200, {'content-type': 'application/json'}).end('["cdc-postgres"]')
    }
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls})))
}

describe('Connect client', () => {
  it('retries a 409 (rebalance) with backoff and then succeeds', async () => {
    const {server, url, calls} = await conflictServer(2)
    try {
      expect(await new ConnectClient(url, {backoffMs: 5}).list()).to.deep.equal(['cdc-postgres'])
      expect(calls()).to.equal(3)
    } finally {
      server.close()
    }
  })

  it('says the cluster is rebalancing when 409 persists', async () => {
    const {server, url} = await conflictServer(100)
    try {
      await new ConnectClient(url, {backoffMs: 1, retries: 3}).list()
      expect.fail('expected an error')
    } catch (error) {
      expect((error as CdcError).code).to.equal('CONNECT_REBALANCING')
    } finally {
      server.close()
    }
  })

  it('names the URL and the fix when Connect is unreachable', async () => {
    try {
      await new ConnectClient('http://127.0.0.1:1').list()
      expect.fail('expected an error')
    } catch (error) {
      expect((error as CdcError).code).to.equal('CONNECT_UNREACHABLE')
      expect((error as CdcError).message).to.contain('http://127.0.0.1:1')
      expect((error as CdcError).actions).to.include('cdcctl local up')
    }
  })
})
