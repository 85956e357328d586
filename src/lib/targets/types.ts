import type {Profile, TargetName} from '../config'
import type {ConnectClient} from '../connect/client'
import type {JobRunner} from '../jobs/types'
import type {ObjectStore} from '../storage'

export interface DbCredentials {
  host: string
  port: number
  database: string
  username: string
  password: string
}

/** Everything a command knows about where the pipeline runs comes through here (ARCHITECTURE.md §2). */
export interface Target {
  readonly name: TargetName
  readonly profile: Profile
  /** Credentials the connector and health checks use: the local profile, or Secrets Manager on aws. */
  dbCredentials(): Promise<DbCredentials>
  connect(): ConnectClient
  kafkaBrokers(): string[]
  /** spark-submit locally, Glue on aws. */
  jobs(): JobRunner
  /** The storage root: a local directory or s3://bucket. */
  store(): ObjectStore
}
