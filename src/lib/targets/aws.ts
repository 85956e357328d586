import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'

import {catalog} from '../catalog'
import type {Profile} from '../config'
import {ConnectClient} from '../connect/client'
import {secretEnvReferences} from '../connect/debezium'
import {type DeployEnvironment, resolveEnvironment} from '../deploy/environment'
import {roleSecretName} from '../db-roles'
import {ecsServices, storedOutput} from '../deploy/outputs'
import {ecsServiceStates, stateDetail} from '../ecs'
import {CdcError, firstLine, usageError} from '../errors'
import {GlueJobRunner} from '../jobs/glue-runner'
import {ensurePipelineRoles} from '../db-roles'
import {readTableMetadata, type TableMetadata} from '../lake'
import {withPostgres} from '../postgres'
import {ensureRdsCaBundle} from '../rds-ca'
import {type Notification, type NotifyResult, publishToSns} from '../notify'
import {registerSecret, Secret} from '../redact'
import {type ObjectStore, openStore} from '../storage'
import type {DbCredentials, DeploymentOptions, HealthCheck, SlotStatus, Target} from './types'

interface SecretShape {
  host?: string
  port?: number | string
  username?: string
  password?: string
  dbname?: string
}

export class AwsTarget implements Target {
  readonly name = 'aws' as const
  private credentials?: DbCredentials

  constructor(readonly profile: Profile) {}

  /** Reads the Secrets Manager secret `db-credentials` (host, port, username, password). */
  async dbCredentials(): Promise<DbCredentials> {
    if (this.credentials) return this.credentials
    const secretId = this.profile.postgres.secretName
    const secret = await this.secretJson(secretId)
    const missing = (['host', 'port', 'username', 'password'] as const).filter((k) => secret[k] === undefined || secret[k] === '')
    if (missing.length > 0) {
      throw new CdcError(`Secret "${secretId}" lacks ${missing.join(', ')}`, {code: 'SECRET_INVALID', exit: 2, actions: ['store host, port, username and password in it']})
    }
    this.credentials = {
      host: secret.host as string,
      port: Number(secret.port),
      database: secret.dbname ?? this.profile.postgres.database,
      username: secret.username as string,
      password: new Secret(secret.password as string),
      caFile: await ensureRdsCaBundle(this.profile.postgres.caFile),
    }
    return this.credentials
  }

  /** A Secrets Manager secret as JSON; its password registered for redaction. */
  private async secretJson(secretId: string): Promise<SecretShape> {
    const {SecretsManagerClient, GetSecretValueCommand} = await import('@aws-sdk/client-secrets-manager')
    const client = new SecretsManagerClient({region: this.profile.region})
    let text: string | undefined
    try {
      text = (await client.send(new GetSecretValueCommand({SecretId: secretId}))).SecretString
    } catch (error) {
      const name = (error as Error).name
      throw new CdcError(`Cannot read Secrets Manager secret "${secretId}" in ${this.profile.region}: ${name === 'ResourceNotFoundException' ? 'it does not exist' : firstLine((error as Error).message)}`, {
        code: 'SECRET_UNAVAILABLE',
        actions: ['cdcctl deploy --profile ' + this.profile.name, 'check AWS_PROFILE / AWS_REGION'],
        cause: error,
      })
    }
    try {
      const secret = JSON.parse(text ?? '') as SecretShape
      registerSecret(secret.password)
      return secret
    } catch {
      throw new CdcError(`Secret "${secretId}" is not JSON`, {code: 'SECRET_INVALID', exit: 2})
    }
  }

  /**
   * As the RDS master user (its secret): the pipeline's roles with the passwords Terraform generated
   * into their secrets (named <master secret>-<role>, pipeline.yaml source.roles). Run from where the
   * database is reachable: the DAG's connector setup runs in the VPC.
   */
  async ensureDatabaseRoles(): Promise<void> {
    const master = await this.dbCredentials()
    const roles = catalog().source.roles
    const role = async (name: string) => ({name, password: new Secret((await this.secretJson(roleSecretName(this.profile.postgres.secretName, name))).password ?? '')})
    const pipeline = {replication: await role(roles.replication), quality: await role(roles.quality)}
    await withPostgres(master, (c) => ensurePipelineRoles(c, pipeline, {database: master.database, publication: this.profile.connect.publication, replicationGrant: 'rds_replication'}))
  }

  /**
   * Every setting as ${env:NAME}: ECS fills the Connect task's environment from Debezium's role secret
   * (pipeline.yaml `connect`), and the task fetches the RDS CA bundle to `tls.connect_root_cert` at start.
   */
  async connectorDatabase(): Promise<Record<string, string>> {
    return {...secretEnvReferences(), 'database.sslmode': 'verify-full', 'database.sslrootcert': catalog().tls.connect_root_cert}
  }

  connect(): ConnectClient {
    if (!this.profile.connect.url) throw new CdcError('No Kafka Connect URL for the aws profile', {code: 'CONFIG', exit: 2, actions: ['cdcctl deploy', 'set connect.url']})
    return new ConnectClient(this.profile.connect.url)
  }

  kafkaBrokers(): string[] {
    return this.profile.kafka.brokers
  }

  store(): ObjectStore {
    if (!this.profile.storage.root) throw usageError(`Profile "${this.profile.name}" has no storage root`, ['cdcctl deploy (stores the lake bucket)', 'set storage.root to s3://bucket'])
    return openStore(this.profile.storage.root, this.profile.region)
  }

  jobs(): GlueJobRunner {
    return new GlueJobRunner(this.profile, () => this.store())
  }

  /** Glue reads the rules from the storage root; content-addressed, so a re-upload changes nothing. */
  async stageRules(file: string): Promise<string> {
    const text = readFileSync(file)
    const key = `dq/rules/${createHash('sha256').update(text).digest('hex').slice(0, 16)}.yaml`
    await this.store().write(key, text)
    return `${this.profile.storage.root.replace(/\/$/, '')}/${key}`
  }

  async notify(n: Notification): Promise<NotifyResult> {
    return publishToSns(this.profile, n)
  }

  /** One row per ECS service the stored Terraform outputs name (Debezium, Airflow). */
  async extraHealthChecks(): Promise<HealthCheck[]> {
    const ecs = ecsServices(this.profile)
    if (!ecs) return []
    const roles = Object.entries(ecs.services)
    try {
      const states = await ecsServiceStates(this.profile.region, ecs.cluster, roles.map(([, name]) => name))
      return states.map((s, i) => ({component: 'ecs', check: `service ${roles[i][0]} (${s.service})`, status: s.stable ? 'ok' : 'fail', detail: stateDetail(s)}))
    } catch (error) {
      return [{component: 'ecs', check: `cluster ${ecs.cluster}`, status: 'fail', detail: (error as Error).message}]
    }
  }

  /**
   * RDS publishes the slot's figures to CloudWatch (OldestReplicationSlotLag, TransactionLogsDiskUsage),
   * so no database connection is needed; the newest datapoint of the last 15 minutes.
   */
  async replicationSlot(): Promise<SlotStatus> {
    const instance = storedOutput(this.profile, 'db_instance_identifier')
    const empty: SlotStatus = {slot: this.profile.connect.slot, exists: null, active: null, lagBytes: null, lagSeconds: null, walRetainedBytes: null, from: 'cloudwatch'}
    if (typeof instance !== 'string') return empty
    const cw = await import('@aws-sdk/client-cloudwatch')
    const client = new cw.CloudWatchClient({region: this.profile.region})
    const metric = (id: string, name: string) => ({Id: id, MetricStat: {Metric: {Namespace: 'AWS/RDS', MetricName: name, Dimensions: [{Name: 'DBInstanceIdentifier', Value: instance}]}, Period: 60, Stat: 'Maximum'}})
    const end = new Date()
    const res = await client.send(new cw.GetMetricDataCommand({
      StartTime: new Date(end.getTime() - 15 * 60_000),
      EndTime: end,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [metric('lag', 'OldestReplicationSlotLag'), metric('wal', 'TransactionLogsDiskUsage')],
    })).catch((error: Error) => {
      throw new CdcError(`CloudWatch GetMetricData for RDS ${instance} failed: ${firstLine(error.message)}`, {code: 'CLOUDWATCH_ERROR', actions: ['check cloudwatch:GetMetricData permission', 'check AWS_PROFILE / AWS_REGION']})
    })
    const newest = (id: string): number | null => res.MetricDataResults?.find((r) => r.Id === id)?.Values?.[0] ?? null
    return {...empty, lagBytes: newest('lag'), walRetainedBytes: newest('wal')}
  }

  /** Glue's table points at the Iceberg metadata file (its metadata_location parameter), read from the lake. */
  async lakeTable(table: string): Promise<TableMetadata | null> {
    const glue = await import('@aws-sdk/client-glue')
    const client = new glue.GlueClient({region: this.profile.region})
    const found = await client.send(new glue.GetTableCommand({DatabaseName: catalog().lake.namespace, Name: table})).catch((error: Error) => {
      if (error.name === 'EntityNotFoundException') return undefined
      throw new CdcError(`Glue GetTable ${catalog().lake.namespace}.${table} failed: ${firstLine(error.message)}`, {code: 'GLUE_ERROR', actions: ['check glue:GetTable permission']})
    })
    const location = found?.Table?.Parameters?.metadata_location
    if (!location) return null
    const root = this.profile.storage.root.replace(/\/?$/, '/')
    if (!location.startsWith(root)) throw new CdcError(`Glue table ${table} keeps its metadata outside the storage root (${location})`, {code: 'LAKE_OUTSIDE_ROOT', actions: ['check the Glue database location']})
    return readTableMetadata(this.store(), location.slice(root.length))
  }

  localStack(): never {
    throw usageError(`The local stack runs for a local profile; profile "${this.profile.name}" targets aws`, ['pass --profile local'])
  }

  deployment(options: DeploymentOptions): DeployEnvironment {
    return resolveEnvironment(this.profile, options)
  }
}
