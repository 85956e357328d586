import {readFileSync} from 'node:fs'

import {topicFor} from '../catalog'
import {CdcError, firstLine, usageError} from '../errors'
import {ensureTopics} from '../kafka'
import {poll} from '../poll'
import {missingTables, withPostgres} from '../postgres'
import type {Target} from '../targets/types'
import type {ConnectClient, ConnectorStatus} from './client'
import {buildConnectorConfig, POSTGRES_CONNECTOR_CLASS, signalTable, SLOT_NAME} from './debezium'

export interface RegisterOptions {
  dryRun?: boolean
  overridesFile?: string
  timeoutMs?: number
  onStep?: (step: string) => void
}

export interface RegisterResult {
  connector: string
  action: 'created' | 'dry-run' | 'updated'
  config: Record<string, string>
  state?: string
  tasks?: {id: number; state: string}[]
}

export function readOverrides(file: string): Record<string, string> {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw usageError(`--config ${file} is not a readable JSON object: ${firstLine((error as Error).message)}`, ['pass a JSON file of connector properties'])
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw usageError(`--config ${file} must hold a JSON object of connector properties`)
  const overrides = Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
  // Connect stores a connector's config in a topic and returns it over REST: a literal password would be kept there.
  const literal = overrides['database.password']
  if (literal !== undefined && !/^\$\{[a-z]+:[^}]+\}$/.test(literal)) {
    throw usageError(`--config ${file} sets database.password to a value; Kafka Connect would store and show it`, ['leave it out (the target supplies a config-provider reference)', 'use a reference such as ${env:NAME} or ${file:PATH:KEY}'])
  }
  return overrides
}

/** The full connector configuration for a target, with --config overrides merged in. */
export async function connectorConfig(target: Target, overridesFile?: string): Promise<Record<string, string>> {
  const config = buildConnectorConfig(target.profile, await target.connectorDatabase())
  return overridesFile ? {...config, ...readOverrides(overridesFile)} : config
}

/** Checks Connect cannot make for us: names Debezium accepts but the pipeline relies on, and tables that exist. */
async function precheck(target: Target, config: Record<string, string>): Promise<void> {
  const slot = config['slot.name']
  if (!SLOT_NAME.test(slot)) {
    throw usageError(`Invalid slot.name "${slot}": it must be dbz_ followed by lowercase letters, digits or _ (at most 63 characters)`, ['use e.g. dbz_cdc_demo'])
  }
  const tables = config['table.include.list'].split(',').map((t) => t.trim()).filter((t) => t !== signalTable())
  const missing = await withPostgres(await target.dbCredentials(), (client) => missingTables(client, tables))
  if (missing.length > 0) {
    throw usageError(`table.include.list names ${missing.length === 1 ? 'a table' : 'tables'} that do not exist in ${config['database.dbname']}: ${missing.join(', ')}`, ['fix connect.tables in cdcctl.config.json or the --config file'])
  }
}

/** Every invalid field as `field: reason`; Connect checks credentials and connectivity here too. */
export async function validateConfig(client: ConnectClient, name: string, config: Record<string, string>): Promise<string[]> {
  const result = await client.validate(POSTGRES_CONNECTOR_CLASS, {name, ...config})
  return result.configs.flatMap((c) => (c.value?.errors ?? []).map((e) => `${c.value?.name}: ${firstLine(e)}`))
}

export async function registerConnector(target: Target, options: RegisterOptions = {}): Promise<RegisterResult> {
  const step = options.onStep ?? (() => undefined)
  const name = target.profile.connect.connector
  const config = await connectorConfig(target, options.overridesFile)
  if (options.dryRun) return {connector: name, action: 'dry-run', config}

  step('checking slot name and tables')
  await precheck(target, config)
  step('making the pipeline\'s database roles and publication')
  await target.ensureDatabaseRoles()
  const client = target.connect()
  step('validating with Kafka Connect')
  const errors = await validateConfig(client, name, config)
  if (errors.length > 0) {
    throw new CdcError(`Connector config is invalid: ${errors.join('; ')}`, {code: 'CONNECTOR_INVALID', exit: 2, actions: ['fix the named fields (cdcctl connector register --dry-run shows the config)']})
  }
  // Topics exist from the start, with the profile's partitions, even for tables that never changed.
  step('creating the CDC topics')
  await ensureTopics(target.kafkaBrokers(), target.profile.connect.tables.map(topicFor), target.profile.kafka.partitions, target.profile.kafka.replicationFactor)
  step('applying the configuration')
  const created = await client.put(name, config)
  step('waiting for the connector and its tasks to run')
  const status = await waitForRunning(client, name, options.timeoutMs ?? 90_000)
  return {connector: name, action: created ? 'created' : 'updated', config, state: status.connector.state, tasks: status.tasks.map((t) => ({id: t.id, state: t.state}))}
}

/** Wait until the connector and every task are RUNNING; a FAILED one is reported with its trace. */
export async function waitForRunning(client: ConnectClient, name: string, timeoutMs: number): Promise<ConnectorStatus> {
  const running = (s: ConnectorStatus | undefined): boolean => s !== undefined && s.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING')
  const status = await poll(async () => {
    const status = await client.status(name)
    const failed = status && [status.connector, ...status.tasks].find((s) => s.state === 'FAILED')
    if (status && failed) {
      const which = 'id' in failed ? `Task ${failed.id} of connector ${name}` : `Connector ${name}`
      throw new CdcError(`${which} FAILED: ${firstLine(failed.trace ?? 'no trace')}`, {
        code: 'CONNECTOR_FAILED',
        actions: [`cdcctl connector status ${name} --verbose`, 'cdcctl local logs connect', `cdcctl connector restart --failed-only`],
      })
    }
    return status
  }, running, {
    timeoutMs,
    intervalMs: 500,
    onTimeout: (last) => new CdcError(`Connector ${name} is not RUNNING after ${Math.round(timeoutMs / 1000)}s (state: ${last?.connector.state ?? 'absent'}, tasks: ${last?.tasks.map((t) => t.state).join(',') || 'none'})`, {
      code: 'CONNECTOR_TIMEOUT',
      actions: ['cdcctl connector status', 'cdcctl local logs connect'],
    }),
  })
  return status as ConnectorStatus
}
