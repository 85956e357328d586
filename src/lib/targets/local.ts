import {existsSync, readFileSync} from 'node:fs'

import type {Profile} from '../config'
import {ConnectClient} from '../connect/client'
import {CdcError} from '../errors'
import {registerSecret} from '../redact'
import {localCredentialsFile} from '../local/credentials'
import {LocalJobRunner} from '../jobs/local-runner'
import {type ObjectStore, openStore} from '../storage'
import type {DbCredentials, Target} from './types'

export class LocalTarget implements Target {
  readonly name = 'local' as const
  constructor(readonly profile: Profile) {}

  async dbCredentials(): Promise<DbCredentials> {
    const {host, port, database, user} = this.profile.postgres
    let password = this.profile.postgres.password
    if (!password) {
      const file = localCredentialsFile(this.profile.stateDir)
      if (!existsSync(file)) {
        throw new CdcError('The local database has no credentials yet (the local stack was never started here)', {
          code: 'LOCAL_NOT_STARTED',
          actions: ['cdcctl local up'],
        })
      }
      password = (JSON.parse(readFileSync(file, 'utf8')) as {password: string}).password
    }
    registerSecret(password)
    return {host, port, database, username: user, password}
  }

  connect(): ConnectClient {
    return new ConnectClient(this.profile.connect.url)
  }

  kafkaBrokers(): string[] {
    return this.profile.kafka.brokers
  }

  jobs(): LocalJobRunner {
    return new LocalJobRunner(this.profile)
  }

  store(): ObjectStore {
    return openStore(this.profile.storage.root, this.profile.region)
  }
}
