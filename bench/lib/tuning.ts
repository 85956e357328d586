/**
 * The connector's tuning ladder: each step changes one group of settings on top of the one before,
 * starting from Debezium's and Kafka's defaults for them (what the connector ran with before issue
 * 16); the last step is what buildConnectorConfig sets now. The bench runs every step on the same
 * workload in one run, so each change has its before and after.
 */
import {connectorConfig, waitForRunning} from '../../src/lib/connect/register'
import {type Ctx} from './common'

export const DEFAULTS: Record<string, string> = {
  'max.batch.size': '2048',
  'max.queue.size': '8192',
  'max.queue.size.in.bytes': '0',
  'poll.interval.ms': '500',
  'producer.override.linger.ms': '5',
  'producer.override.batch.size': '16384',
  'producer.override.compression.type': 'none',
}

export interface Step {
  name: string
  set: Record<string, string>
}

export const LADDER: Step[] = [
  {name: 'defaults (before)', set: {}},
  {name: 'max.batch.size 8192, max.queue.size 32768 (128 MiB at most)', set: {'max.batch.size': '8192', 'max.queue.size': '32768', 'max.queue.size.in.bytes': String(128 * 1024 * 1024)}},
  {name: 'poll.interval.ms 50', set: {'poll.interval.ms': '50'}},
  {name: 'producer linger.ms 20, batch.size 512 KiB', set: {'producer.override.linger.ms': '20', 'producer.override.batch.size': String(512 * 1024)}},
  {name: 'producer compression lz4', set: {'producer.override.compression.type': 'lz4'}},
]

/** Re-apply the connector with `settings` over the repository's config, and wait until it runs. */
export async function applyConnector(ctx: Ctx, settings: Record<string, string>): Promise<void> {
  const config = {...(await connectorConfig(ctx.target)), ...settings}
  await ctx.target.connect().put(ctx.profile.connect.connector, config)
  await waitForRunning(ctx.target.connect(), ctx.profile.connect.connector, 120_000)
}

/** The cumulative settings of each ladder step. */
export function ladder(): {name: string; settings: Record<string, string>}[] {
  let settings = {...DEFAULTS}
  return LADDER.map((s) => {
    settings = {...settings, ...s.set}
    return {name: s.name, settings: {...settings}}
  })
}
