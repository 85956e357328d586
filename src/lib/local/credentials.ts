import {randomBytes} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {registerSecret} from '../redact'

/** The local database password is generated per machine and kept out of the repo (mode 0600). */
export const localCredentialsFile = (stateDir: string): string => join(stateDir, 'secrets', 'postgres.json')

/**
 * The local cluster's superuser password, apart from the application role's file: that one is handed
 * to jobs (data quality reads the source with it), this one only ever serves `local up`.
 */
export const localSuperuserFile = (stateDir: string): string => join(stateDir, 'secrets', 'postgres-superuser.json')

/** A pipeline role's password (pipeline.yaml source.roles), kept like the others. */
export const localRoleFile = (stateDir: string, role: string): string => join(stateDir, 'secrets', `${role}.json`)

export function ensureLocalPassword(stateDir: string, file = localCredentialsFile(stateDir)): string {
  const existing = readLocalPassword(file)
  if (existing !== undefined) return existing
  mkdirSync(dirname(file), {recursive: true, mode: 0o700})
  const password = randomBytes(18).toString('base64url')
  writeFileSync(file, JSON.stringify({password}) + '\n', {mode: 0o600})
  registerSecret(password)
  return password
}

/** The password kept in `file`, registered for redaction; undefined when there is none yet. */
export function readLocalPassword(file: string): string | undefined {
  if (!existsSync(file)) return undefined
  const {password} = JSON.parse(readFileSync(file, 'utf8')) as {password: string}
  registerSecret(password)
  return password
}
