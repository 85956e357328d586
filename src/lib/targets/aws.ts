import type {Profile} from '../config'
import {ConnectClient} from '../connect/client'
import {CdcError, firstLine} from '../errors'
import {registerSecret} from '../redact'
import {GlueJobRunner} from '../jobs/glue-runner'
import {type ObjectStore, openStore} from '../storage'
import type {DbCredentials, Target} from './types'

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
    const {SecretsManagerClient, GetSecretValueCommand} = await import('@aws-sdk/client-secrets-manager')
    const client = new SecretsManagerClient({region: this.profile.region})
    const secretId = this.profile.postgres.secretName
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
    let secret: SecretShape
    try {
      secret = JSON.parse(text ?? '') as SecretShape
    } catch {
      throw new CdcError(`Secret "${secretId}" is not JSON with host, port, username, password`, {code: 'SECRET_INVALID', exit: 2})
    }
    const missing = (['host', 'port', 'username', 'password'] as const).filter((k) => secret[k] === undefined || secret[k] === '')
    if (missing.length > 0) {
      throw new CdcError(`Secret "${secretId}" lacks ${missing.join(', ')}`, {code: 'SECRET_INVALID', exit: 2, actions: ['store host, port, username and password in it']})
    }
    registerSecret(secret.password)
    this.credentials = {
      host: secret.host as string,
      port: Number(secret.port),
      database: secret.dbname ?? this.profile.postgres.database,
      username: secret.username as string,
      password: secret.password as string,
    }
    return this.credentials
  }

  connect(): ConnectClient {
    if (!this.profile.connect.url) throw new CdcError('No Kafka Connect URL for the aws profile', {code: 'CONFIG', exit: 2, actions: ['cdcctl deploy', 'set connect.url']})
    return new ConnectClient(this.profile.connect.url)
  }

  kafkaBrokers(): string[] {
    return this.profile.kafka.brokers
  }

  jobs(): GlueJobRunner {
    return new GlueJobRunner(this.profile)
  }

  store(): ObjectStore {
    return openStore(this.profile.storage.root, this.profile.region)
  }
}
