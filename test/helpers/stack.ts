import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {loadProfile, type Profile} from '../../src/lib/config'
import {up} from '../../src/lib/local/stack'
import {ROOT} from './cli'

/** The shared fixture: the real local stack (Postgres, Kafka, Connect + Debezium), started if needed. */
export async function localStack(): Promise<Profile> {
  const profile = loadProfile({cwd: ROOT, env: {}})
  await up(profile)
  return profile
}

export function localPassword(profile: Profile): string {
  return (JSON.parse(readFileSync(join(profile.stateDir, 'secrets', 'postgres.json'), 'utf8')) as {password: string}).password
}
