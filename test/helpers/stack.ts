import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {loadProfile, type Profile} from '../../src/lib/config'
import {up} from '../../src/lib/local/stack'
import {ROOT} from './cli'

/** Why the stack did not start, once a suite has tried: later suites do not try (and wait) again. */
let startFailure: Error | undefined

/**
 * The shared fixture: the real local stack (Postgres, Kafka, Connect + Debezium), started if needed.
 * A failed start is reported with its real error by the first suite that needs the stack; every later
 * suite fails at once, pointing there.
 */
export async function localStack(): Promise<Profile> {
  if (startFailure) throw new Error("the local stack did not start: the first suite that needed it reports why")
  const profile = loadProfile({cwd: ROOT, env: {}})
  try {
    await up(profile)
  } catch (error) {
    startFailure = error as Error
    throw error
  }
  return profile
}

export function localPassword(profile: Profile): string {
  return (JSON.parse(readFileSync(join(profile.stateDir, 'secrets', 'postgres.json'), 'utf8')) as {password: string}).password
}
