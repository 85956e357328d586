import type {Profile, TargetName} from '../config'
import type {ConnectClient} from '../connect/client'
import type {DeployEnvironment} from '../deploy/environment'
import type {JobRunner} from '../jobs/types'
import type {TableMetadata} from '../lake'
import type {Notification, NotifyResult} from '../notify'
import type {Secret} from '../redact'
import type {ObjectStore} from '../storage'

/** One component of the local stack as `local up|down|status` report it. */
export interface ComponentState {
  component: string
  state: 'running' | 'starting' | 'stopped'
  pid: number | null
  port: number
  endpoint: string
  log: string
}

/** The processes the local target runs: Postgres, the Kafka broker, Kafka Connect with Debezium. */
export interface LocalStack {
  /** Installs the local runtime when missing, starts what is not running (every component when none is named) and waits until each answers. */
  up(components: string[], onStep: (step: string) => void, quiet?: boolean): Promise<ComponentState[]>
  /** Stops only what this project started, in reverse start order. */
  down(components: string[], onStep: (step: string) => void): Promise<ComponentState[]>
  status(): Promise<ComponentState[]>
  /** The last lines of a component's log. */
  logs(component: string, lines: number): Promise<string[]>
}

export interface DeploymentOptions {
  /** Environment: terraform/envs/<env>.tfvars (default: the profile's deploy.env). */
  env?: string
  /** Stream Terraform's output to stderr. */
  stream?: boolean
  /** The command asking, for the error on a local profile. */
  command: string
}

export interface DbCredentials {
  host: string
  port: number
  database: string
  username: string
  password: Secret
  /** CA certificates (PEM file) the server is verified against, host name included (verify-full). */
  caFile: string
}

export type CheckStatus = 'fail' | 'ok' | 'warn'

/** The connector's replication slot as the source reports it. */
export interface SlotStatus {
  slot: string
  /** null where the target cannot tell (CloudWatch has no slot list). */
  exists: boolean | null
  active: boolean | null
  /** WAL the slot's consumer has not confirmed yet. */
  lagBytes: number | null
  /** How far behind in time (the walsender's flush lag, or the commit time of the oldest change held); null where unknown (CloudWatch gives bytes). */
  lagSeconds: number | null
  /** WAL kept on disk for the slot (what a stuck slot fills the disk with). */
  walRetainedBytes: number | null
  /** Where the figures came from. */
  from: 'cloudwatch' | 'postgres'
}

export interface HealthCheck {
  component: 'connect' | 'ecs' | 'kafka' | 'postgres'
  check: string
  status: CheckStatus
  detail: string
}

/**
 * Everything a command knows about where the pipeline runs comes through here (ARCHITECTURE.md §2):
 * this interface and its two implementations are the only place where local and aws differ.
 */
export interface Target {
  /** For messages and results only; nothing outside src/lib/targets/ branches on it. */
  readonly name: TargetName
  readonly profile: Profile
  /** What cdcctl itself connects to Postgres with: the local profile, or Secrets Manager on aws. */
  dbCredentials(): Promise<DbCredentials>
  /**
   * Make the pipeline's least-privilege database roles and Debezium's publication (src/lib/db-roles.ts)
   * as the database's admin: the local superuser, or the RDS master user from its secret.
   */
  ensureDatabaseRoles(): Promise<void>
  /**
   * The connector's database settings: the password (on aws every setting) as a Kafka Connect
   * config-provider reference, resolved by the Connect worker, so no secret enters a connector config.
   */
  connectorDatabase(): Promise<Record<string, string>>
  connect(): ConnectClient
  kafkaBrokers(): string[]
  /** spark-submit locally, Glue on aws. */
  jobs(): JobRunner
  /** The storage root: a local directory or s3://bucket. */
  store(): ObjectStore
  /** Where the data-quality job reads a rules file: the file itself locally, a staged copy on aws. */
  stageRules(file: string): Promise<string>
  /** Tell operators: the run log locally, the SNS alerts topic on aws. */
  notify(n: Notification): Promise<NotifyResult>
  /** The replication slot: from Postgres itself locally, from CloudWatch's RDS metrics on aws. */
  replicationSlot(): Promise<SlotStatus>
  /** An Iceberg table's metadata, found through the target's catalog (a Hadoop catalog locally, Glue on aws); null before it exists. */
  lakeTable(table: string): Promise<TableMetadata | null>
  /** Checks of what only this target runs (the ECS services on aws). */
  extraHealthChecks(): Promise<HealthCheck[]>
  /** The local stack (demo, `local up|down|status|logs`); a usage error on aws. */
  localStack(): LocalStack
  /** The Terraform environment deploy, plan, outputs and destroy act on; a usage error locally. */
  deployment(options: DeploymentOptions): DeployEnvironment
}
