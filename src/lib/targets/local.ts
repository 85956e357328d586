import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {catalog} from '../catalog'
import type {Profile} from '../config'
import {ConnectClient} from '../connect/client'
import {secretEnvReferences} from '../connect/debezium'
import {CdcError, usageError} from '../errors'
import {LocalJobRunner} from '../jobs/local-runner'
import {type PipelineRoles, ensurePipelineRoles} from '../db-roles'
import {ensureLocalPassword, localCredentialsFile, localRoleFile, localSuperuserFile} from '../local/credentials'
import {COMPOSE_CA_FILE, DockerStack} from '../local/docker'
import {NativeStack} from '../local/stack'
import {hadoopMetadataKey, readTableMetadata, type TableMetadata} from '../lake'
import {appendToRunLog, type Notification, type NotifyResult} from '../notify'
import {slotInfo, withPostgres} from '../postgres'
import {Secret} from '../redact'
import {type ObjectStore, openStore} from '../storage'
import type {DbCredentials, DeploymentOptions, HealthCheck, LocalStack, SlotStatus, Target} from './types'

/** The file Kafka Connect's FileConfigProvider reads the connector's password from (0600, never in a connector config). */
export const connectSecretsFile = (stateDir: string): string => join(stateDir, 'secrets', 'connect.properties')

export class LocalTarget implements Target {
  readonly name = 'local' as const
  readonly profile: Profile

  /** The lake lives under the state directory unless the profile names a storage root. */
  constructor(profile: Profile) {
    this.profile = profile.storage.root ? profile : {...profile, storage: {root: `file://${join(profile.stateDir, 'lake')}`}}
  }

  async dbCredentials(): Promise<DbCredentials> {
    const {host, port, database, user} = this.profile.postgres
    return {host, port, database, username: user, password: this.profile.postgres.password ?? this.password(localCredentialsFile(this.profile.stateDir)), caFile: this.profile.postgres.caFile}
  }

  /** A password `local up` generated; the stack was never started here when there is none. */
  private password(file: string): Secret {
    if (!existsSync(file)) {
      throw new CdcError('The local database has no credentials yet (the local stack was never started here)', {code: 'LOCAL_NOT_STARTED', actions: ['cdcctl local up']})
    }
    return new Secret((JSON.parse(readFileSync(file, 'utf8')) as {password: string}).password)
  }

  /** The pipeline's roles, with passwords generated for this checkout on first use. */
  private roles(): PipelineRoles {
    const {replication, quality} = catalog().source.roles
    const role = (name: string) => ({name, password: new Secret(ensureLocalPassword(this.profile.stateDir, localRoleFile(this.profile.stateDir, name)))})
    return {replication: role(replication), quality: role(quality)}
  }

  /** As the local cluster's superuser, whose password only `local up` and this read. */
  async ensureDatabaseRoles(): Promise<void> {
    const db = await this.dbCredentials()
    const admin = {...db, username: 'postgres', password: this.password(localSuperuserFile(this.profile.stateDir))}
    await withPostgres(admin, (c) => ensurePipelineRoles(c, this.roles(), {database: db.database, publication: this.profile.connect.publication, replicationGrant: 'attribute'}))
  }

  /**
   * Debezium's role, verify-full against the local CA. Native: the password through Connect's
   * FileConfigProvider (the local worker enables it, see local/connect.ts). Docker: the compose
   * Connect's environment holds every setting, as on ECS, and the CA is mounted into it.
   */
  async connectorDatabase(): Promise<Record<string, string>> {
    const tls = {'database.sslmode': 'verify-full'}
    if (this.profile.runtime === 'docker') return {...secretEnvReferences(), ...tls, 'database.sslrootcert': COMPOSE_CA_FILE}
    const db = await this.dbCredentials()
    const {replication} = this.roles()
    const file = connectSecretsFile(this.profile.stateDir)
    mkdirSync(dirname(file), {recursive: true, mode: 0o700})
    // Connect reads `key=value` properties; a backslash or newline in the generated password cannot occur.
    writeFileSync(file, `password=${replication.password.reveal()}\n`, {mode: 0o600})
    return {
      'database.hostname': db.host,
      'database.port': String(db.port),
      'database.user': replication.name,
      'database.password': `\${file:${file}:password}`,
      'database.dbname': db.database,
      ...tls,
      'database.sslrootcert': db.caFile,
    }
  }

  connect(): ConnectClient {
    return new ConnectClient(this.profile.connect.url)
  }

  kafkaBrokers(): string[] {
    return this.profile.kafka.brokers
  }

  store(): ObjectStore {
    return openStore(this.profile.storage.root, this.profile.region)
  }

  jobs(): LocalJobRunner {
    const {postgres, stateDir, storage} = this.profile
    return new LocalJobRunner(stateDir, this.store(), {
      storage_root: storage.root,
      catalog: 'local',
      kafka_brokers: this.kafkaBrokers().join(','),
      // data quality reads the source as its read-only role
      db_credentials_file: localRoleFile(stateDir, catalog().source.roles.quality),
      db_host: postgres.host,
      db_port: String(postgres.port),
      db_name: postgres.database,
      db_user: catalog().source.roles.quality,
      db_ca_file: postgres.caFile,
    }, this.profile.spark.warmDriver)
  }

  async stageRules(file: string): Promise<string> {
    return file
  }

  async notify(n: Notification): Promise<NotifyResult> {
    return appendToRunLog(this.profile, n)
  }

  async extraHealthChecks(): Promise<HealthCheck[]> {
    return []
  }

  async replicationSlot(): Promise<SlotStatus> {
    const info = await withPostgres(await this.dbCredentials(), (c) => slotInfo(c, this.profile.connect.slot))
    return {...info, from: 'postgres'}
  }

  async lakeTable(table: string): Promise<TableMetadata | null> {
    const store = this.store()
    const key = await hadoopMetadataKey(store, `iceberg/${catalog().lake.namespace}/${table}`)
    return key ? readTableMetadata(store, key) : null
  }

  localStack(): LocalStack {
    return this.profile.runtime === 'docker' ? new DockerStack(this.profile) : new NativeStack(this.profile)
  }

  deployment(options: DeploymentOptions): never {
    throw usageError(`cdcctl ${options.command} works on an aws profile; profile "${this.profile.name}" targets local`, [`cdcctl ${options.command} --profile aws`, 'cdcctl local up for the local stack'])
  }
}
