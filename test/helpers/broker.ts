import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {loadProfile, type Profile} from '../../src/lib/config'
import {KafkaComponent} from '../../src/lib/local/kafka'
import {portInUse} from '../../src/lib/local/process'
import {poll} from '../../src/lib/poll'
import {ROOT} from './cli'

export interface ExtraBroker {
  brokers: string[]
  stop(): Promise<void>
}

/**
 * A loopback port below 32768 that nothing listens on. Ports from the kernel (bind to 0) are taken
 * from the ephemeral range, 32768 and up, where any outgoing connection may also land.
 */
export async function freeLowPort(avoid: number[] = []): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (!avoid.includes(port) && !(await portInUse(port)) && !(await portInUse(port + 1))) return port
  }
  throw new Error('no free port below 32768')
}

/**
 * A second single-node KRaft broker with Kafka's default group.initial.rebalance.delay.ms (3000 ms,
 * as the AWS broker keeps it; the local stack's sets 0), in a temporary state directory, so tests see
 * what a consumer group costs there. Its data goes with it on stop().
 */
export async function startDefaultDelayBroker(): Promise<ExtraBroker> {
  const stateDir = mkdtempSync(join(tmpdir(), 'cdcctl-broker-'))
  const kafka = await freeLowPort()
  const base = loadProfile({cwd: ROOT, env: {}})
  const profile: Profile = {...base, stateDir, ports: {...base.ports, kafka, controller: kafka + 1}, kafka: {...base.kafka, brokers: [`127.0.0.1:${kafka}`]}}
  const broker = new KafkaComponent(profile, {'group.initial.rebalance.delay.ms': null})
  await broker.start()
  await poll(async () => broker.running() && (await broker.ready()), (ok) => ok, {timeoutMs: 90_000, intervalMs: 500, onTimeout: () => new Error(`the extra broker on ${kafka} did not start; see ${broker.logFile}`)})
  return {
    brokers: profile.kafka.brokers,
    stop: async () => {
      await broker.stop()
      rmSync(stateDir, {recursive: true, force: true})
    },
  }
}
