import {sourceTables, topicFor} from './catalog'
import {CdcError} from './errors'
import {withAdmin} from './kafka'
import {slotInfo, withPostgres} from './postgres'
import type {HealthCheck, Target} from './targets/types'
import {formatBytes} from './ui'

export type {CheckStatus, HealthCheck} from './targets/types'

export interface HealthReport {
  healthy: boolean
  checks: HealthCheck[]
}

const failed = (component: HealthCheck['component'], check: string, error: unknown): HealthCheck => ({
  component,
  check,
  status: 'fail',
  detail: error instanceof CdcError ? error.message : (error as Error).message,
})

async function postgresChecks(target: Target): Promise<HealthCheck[]> {
  const {slot} = target.profile.connect
  const warnAt = target.profile.health.slotLagWarnBytes
  const warnAfter = target.profile.health.slotLagWarnSeconds
  try {
    const db = await target.dbCredentials()
    return await withPostgres(db, async (client) => {
      const info = await slotInfo(client, slot, target.profile.connect.publication)
      const checks: HealthCheck[] = [{component: 'postgres', check: 'reachable', status: 'ok', detail: `${db.host}:${db.port}/${db.database}`}]
      if (!info.exists) {
        checks.push({component: 'postgres', check: `slot ${slot}`, status: 'fail', detail: 'replication slot does not exist (register the connector)'})
        return checks
      }
      checks.push({component: 'postgres', check: `slot ${slot} active`, status: info.active ? 'ok' : 'fail', detail: info.active ? 'a consumer is attached' : 'no consumer attached: WAL is retained'})
      const lag = info.lagBytes ?? 0
      const behind = info.lagSeconds === null ? 'time behind unknown' : `${info.lagSeconds} s behind`
      const late = lag > warnAt || (info.lagSeconds ?? 0) > warnAfter
      checks.push({component: 'postgres', check: 'slot lag', status: late ? 'warn' : 'ok', detail: `${formatBytes(lag)}, ${behind} (warn above ${formatBytes(warnAt)} or ${warnAfter} s)`})
      return checks
    })
  } catch (error) {
    return [failed('postgres', 'reachable', error)]
  }
}

async function kafkaChecks(target: Target): Promise<HealthCheck[]> {
  try {
    return await withAdmin(target.kafkaBrokers(), async (admin) => {
      const cluster = await admin.describeCluster()
      const topics = new Set(await admin.listTopics())
      const checks: HealthCheck[] = [{component: 'kafka', check: 'brokers', status: cluster.brokers.length > 0 ? 'ok' : 'fail', detail: `${cluster.brokers.length} broker(s), controller ${cluster.controller}`}]
      for (const table of sourceTables()) {
        const topic = topicFor(table)
        checks.push({component: 'kafka', check: `topic ${topic}`, status: topics.has(topic) ? 'ok' : 'fail', detail: topics.has(topic) ? 'exists' : 'missing (no change captured yet, or connector not registered)'})
      }
      return checks
    })
  } catch (error) {
    return [failed('kafka', 'brokers', error)]
  }
}

async function connectChecks(target: Target): Promise<HealthCheck[]> {
  const name = target.profile.connect.connector
  try {
    const client = target.connect()
    const version = await client.version()
    const status = await client.status(name)
    const checks: HealthCheck[] = [{component: 'connect', check: 'worker', status: 'ok', detail: `Kafka Connect ${version.version}`}]
    if (!status) {
      checks.push({component: 'connect', check: `connector ${name}`, status: 'fail', detail: 'not registered (cdcctl connector register)'})
      return checks
    }
    checks.push({component: 'connect', check: `connector ${name}`, status: status.connector.state === 'RUNNING' ? 'ok' : 'fail', detail: status.connector.state})
    for (const task of status.tasks) {
      checks.push({component: 'connect', check: `task ${task.id}`, status: task.state === 'RUNNING' ? 'ok' : 'fail', detail: task.state})
    }
    if (status.tasks.length === 0) checks.push({component: 'connect', check: 'tasks', status: 'fail', detail: 'no tasks'})
    return checks
  } catch (error) {
    return [failed('connect', 'worker', error)]
  }
}

/** Postgres, Kafka, Connect and the target's own (the ECS services on aws) checked in parallel; healthy when nothing failed (warnings allowed). */
export async function checkHealth(target: Target): Promise<HealthReport> {
  const checks = (await Promise.all([postgresChecks(target), kafkaChecks(target), connectChecks(target), target.extraHealthChecks()])).flat()
  return {healthy: checks.every((c) => c.status !== 'fail'), checks}
}
