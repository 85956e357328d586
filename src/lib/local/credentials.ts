import {randomBytes} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {registerSecret} from '../redact'

/** The local database password is generated per machine and kept out of the repo (mode 0600). */
export const localCredentialsFile = (stateDir: string): string => join(stateDir, 'secrets', 'postgres.json')

export function ensureLocalPassword(stateDir: string): string {
  const file = localCredentialsFile(stateDir)
  if (existsSync(file)) {
    const {password} = JSON.parse(readFileSync(file, 'utf8')) as {password: string}
    registerSecret(password)
    return password
  }
  mkdirSync(dirname(file), {recursive: true, mode: 0o700})
  const password = randomBytes(18).toString('base64url')
  writeFileSync(file, JSON.stringify({password}) + '\n', {mode: 0o600})
  registerSecret(password)
  return password
}
