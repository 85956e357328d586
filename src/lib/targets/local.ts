import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {catalog} from '../catalog'
import type {Profile} from '../config'
import {ConnectClient} from '../connect/client'
import {secretEnvReferences} from '../connect/debezium'
import {CdcError, usageError} from '../errors'
import {LocalJobRunner} from '../jobs/local-runner'
import {localCredentialsFile} from '../local/credentials'
import {DockerStack} from '../local/docker'
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
    return {host, port, database, username: user, password: this.profile.postgres.password ?? this.localPassword()}
  }

  private localPassword(): Secret {
    const file = localCredentialsFile(this.profile.stateDir)
    if (!existsSync(file)) {
      throw new CdcError('The local database has no credentials yet (the local stack was never started here)', {code: 'LOCAL_NOT_STARTED', actions: ['cdcctl local up']})
    }
    return new Secret((JSON.parse(readFileSync(file, 'utf8')) as {password: string}).password)
  }

  /**
   * Native: the password through Connect's FileConfigProvider (the local worker enables it, see
   * local/connect.ts). Docker: the compose Connect's environment holds every setting, as on ECS.
   */
  async connectorDatabase(): Promise<Record<string, string>> {
    if (this.profile.runtime === 'docker') return secretEnvReferences()
    const db = await this.dbCredentials()
    const file = connectSecretsFile(this.profile.stateDir)
    mkdirSync(dirname(file), {recursive: true, mode: 0o700})
    // Connect reads `key=value` properties; a backslash or newline in the generated password cannot occur.
    writeFileSync(file, `password=${db.password.reveal()}\n`, {mode: 0o600})
    return {
      'database.hostname': db.host,
      'database.port': String(db.port),
      'database.user': db.username,
      'database.password': `\${file:${file}:password}`,
      'database.dbname': db.database,
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
      db_credentials_file: localCredentialsFile(stateDir),
      db_host: postgres.host,
      db_port: String(postgres.port),
      db_name: postgres.database,
      db_user: postgres.user,
    })
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
