import type {Client} from 'pg'

import {catalog} from './catalog'
import type {Secret} from './redact'

export interface PipelineRoles {
  /** Debezium's: replication, SELECT on the captured tables, the signal table (with INSERT), its heartbeat row. */
  replication: {name: string; password: Secret}
  /** Data quality's: SELECT on the captured tables, nothing else. */
  quality: {name: string; password: Secret}
}

/** Where a role's password is kept on aws: the Secrets Manager secret `<master secret>-<role>` (Terraform makes it). */
export const roleSecretName = (masterSecret: string, role: string): string => `${masterSecret}-${role}`

export interface RoleOptions {
  database: string
  publication: string
  /** How this server grants logical replication: the REPLICATION attribute, or RDS's rds_replication role. */
  replicationGrant: 'attribute' | 'rds_replication'
}

/**
 * Make the pipeline's least-privilege roles and the publication Debezium reads, as the database's
 * admin; every statement is idempotent, so it runs before each registration. The publication is made
 * here (Debezium's own autocreate needs table ownership, which its role must not have) and follows the
 * catalog's tables.
 */
export async function ensurePipelineRoles(admin: Client, roles: PipelineRoles, options: RoleOptions): Promise<void> {
  const {source, tables} = catalog()
  const q = (name: string): string => admin.escapeIdentifier(name)
  const table = (name: string): string => `${q(source.schema)}.${q(name)}`
  const captured = Object.keys(tables).map(table)
  const signal = table(source.signal_table)
  const heartbeat = table(source.heartbeat_table)
  await admin.query('BEGIN')
  try {
    for (const role of [roles.replication, roles.quality]) {
      if ((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.name])).rowCount === 0) await admin.query(`CREATE ROLE ${q(role.name)} LOGIN`)
      await admin.query(`ALTER ROLE ${q(role.name)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${admin.escapeLiteral(role.password.reveal())}`)
      await admin.query(`GRANT CONNECT ON DATABASE ${q(options.database)} TO ${q(role.name)}`)
      await admin.query(`GRANT USAGE ON SCHEMA ${q(source.schema)} TO ${q(role.name)}`)
      await admin.query(`GRANT SELECT ON ${captured.join(', ')} TO ${q(role.name)}`)
    }
    const replication = q(roles.replication.name)
    await admin.query(options.replicationGrant === 'attribute' ? `ALTER ROLE ${replication} WITH REPLICATION` : `GRANT rds_replication TO ${replication}`)
    // an incremental snapshot (cdcctl connector snapshot) writes its chunks' window-open/close rows there
    await admin.query(`GRANT SELECT, INSERT ON ${signal} TO ${replication}`)
    await admin.query(`GRANT SELECT, INSERT, UPDATE ON ${heartbeat} TO ${replication}`)
    const published = [...captured, signal].join(', ')
    const exists = (await admin.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [options.publication])).rowCount !== 0
    await admin.query(exists ? `ALTER PUBLICATION ${q(options.publication)} SET TABLE ${published}` : `CREATE PUBLICATION ${q(options.publication)} FOR TABLE ${published}`)
    await admin.query('COMMIT')
  } catch (error) {
    await admin.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}
