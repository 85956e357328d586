import {readFileSync} from 'node:fs'

import type {Profile} from '../config'
import {runtimeDir} from '../paths'
import {withPostgres} from '../postgres'
import {Secret} from '../redact'
import {ensureLocalPassword} from './credentials'
import {localCaFile} from './tls'

/**
 * The local database as the pipeline expects it, on either runtime: the application role (owner of
 * the database, as the RDS master user is), the database, and runtime/postgres/schema.sql, over TLS
 * as the superuser. Each step is idempotent, so every `local up` runs it.
 */
export async function provisionDatabase(profile: Profile, port: number, superuserPassword: string): Promise<void> {
  const password = ensureLocalPassword(profile.stateDir)
  const {host, user, database} = profile.postgres
  const caFile = localCaFile(profile.stateDir)
  await withPostgres({host, port, database: 'postgres', username: 'postgres', password: new Secret(superuserPassword), caFile}, async (c) => {
    const role = c.escapeIdentifier(user)
    if ((await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [user])).rowCount === 0) await c.query(`CREATE ROLE ${role} LOGIN REPLICATION`)
    await c.query(`ALTER ROLE ${role} WITH LOGIN REPLICATION PASSWORD ${c.escapeLiteral(password)}`)
    if ((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 0) {
      await c.query(`CREATE DATABASE ${c.escapeIdentifier(database)} OWNER ${role}`)
    }
  })
  const schema = readFileSync(runtimeDir('postgres', 'schema.sql'), 'utf8')
  await withPostgres({host, port, database, username: user, password: new Secret(password), caFile}, (c) => c.query(schema))
}
