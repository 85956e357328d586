import {chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Profile} from '../config'
import {CdcError} from '../errors'
import {runtimeDir} from '../paths'
import {type Component, componentDir, logFileOf} from './component'
import {ensureLocalPassword} from './credentials'
import {isRoot, pidAlive, run} from './process'

/** Postgres refuses to run as root, so as root the cluster belongs to the `postgres` system user. */
const PG_USER = isRoot() ? 'postgres' : undefined

export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql'
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'postgres'))) : []
  if (versions.length === 0) {
    throw new CdcError('PostgreSQL server binaries are not installed', {code: 'POSTGRES_MISSING', actions: ['npm run bootstrap (installs the postgresql Debian package)']})
  }
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  return join(base, newest, 'bin')
}

export class PostgresComponent implements Component {
  readonly name = 'postgres' as const
  readonly port: number
  readonly endpoint: string
  readonly logFile: string
  private readonly dataDir: string
  private readonly socketDir: string

  constructor(private readonly profile: Profile) {
    this.port = profile.ports.postgres
    this.endpoint = `postgresql://${profile.postgres.host}:${this.port}/${profile.postgres.database}`
    this.logFile = logFileOf(profile, 'postgres')
    this.dataDir = componentDir(profile, 'postgres', 'data')
    this.socketDir = componentDir(profile, 'postgres', 'socket')
  }

  pid(): number | undefined {
    const pidFile = join(this.dataDir, 'postmaster.pid')
    if (!existsSync(pidFile)) return undefined
    return Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0], 10)
  }

  running(): boolean {
    const pid = this.pid()
    return pid !== undefined && pidAlive(pid, 'postgres')
  }

  async ready(): Promise<boolean> {
    const bin = postgresBinDir()
    try {
      run('pg_isready', join(bin, 'pg_isready'), ['-h', this.socketDir, '-p', String(this.port), '-q'])
      return true
    } catch {
      return false
    }
  }

  async start(): Promise<void> {
    const bin = postgresBinDir()
    this.ensureDirs()
    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) {
      run('initdb', join(bin, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-locale'], {asUser: PG_USER})
    }
    const settings = [
      `-c port=${this.port}`,
      `-c listen_addresses=${this.profile.postgres.host}`,
      `-c unix_socket_directories=${this.socketDir}`,
      '-c wal_level=logical',
      '-c max_wal_senders=10',
      '-c max_replication_slots=10',
      '-c fsync=off', // a throwaway local cluster: durability is not worth the I/O here
    ].join(' ')
    run('pg_ctl start', join(bin, 'pg_ctl'), ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', '-o', settings, 'start'], {asUser: PG_USER})
    this.provision(bin)
  }

  async stop(): Promise<void> {
    if (!this.running()) return
    run('pg_ctl stop', join(postgresBinDir(), 'pg_ctl'), ['-D', this.dataDir, '-m', 'fast', '-w', 'stop'], {asUser: PG_USER})
  }

  /** Role, database and schema; each statement is idempotent so `up` can run it every time. */
  private provision(bin: string): void {
    const password = ensureLocalPassword(this.profile.stateDir)
    const {user, database} = this.profile.postgres
    const psql = (db: string, sql: string, asRole = 'postgres'): string =>
      run(`psql (${db})`, join(bin, 'psql'), ['-h', this.socketDir, '-p', String(this.port), '-U', asRole, '-d', db, '-v', 'ON_ERROR_STOP=1', '-qAt'], {input: sql, asUser: PG_USER})
    const quoted = password.replace(/'/g, "''")
    psql('postgres', `DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${user}') THEN CREATE ROLE "${user}" LOGIN REPLICATION; END IF;
    END $$;
    ALTER ROLE "${user}" WITH LOGIN REPLICATION PASSWORD '${quoted}';`)
    if (psql('postgres', `SELECT 1 FROM pg_database WHERE datname = '${database}'`).trim() !== '1') {
      psql('postgres', `CREATE DATABASE "${database}" OWNER "${user}"`)
    }
    psql(database, readFileSync(runtimeDir('postgres', 'schema.sql'), 'utf8'), user)
  }

  private ensureDirs(): void {
    // The state and log directories must be traversable by the postgres user; its data stays 0700.
    for (const dir of [this.profile.stateDir, join(this.profile.stateDir, 'logs'), componentDir(this.profile, 'postgres')]) {
      mkdirSync(dir, {recursive: true})
      chmodSync(dir, 0o755)
    }
    for (const dir of [this.dataDir, this.socketDir]) mkdirSync(dir, {recursive: true, mode: 0o700})
    if (PG_USER) {
      const {uid, gid} = lookupUser(PG_USER)
      for (const dir of [componentDir(this.profile, 'postgres'), this.dataDir, this.socketDir]) chownSync(dir, uid, gid)
      // pg_ctl -l appends to the log as the postgres user
      run('touch log', 'touch', [this.logFile])
      chownSync(this.logFile, uid, gid)
    }
  }
}

function lookupUser(name: string): {uid: number; gid: number} {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))
  if (!line) throw new CdcError(`System user "${name}" does not exist`, {code: 'POSTGRES_MISSING', actions: ['npm run bootstrap (the postgresql package creates it)']})
  const [, , uid, gid] = line.split(':')
  return {uid: Number(uid), gid: Number(gid)}
}
