import {existsSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import {catalog, jobNames} from './catalog'
import {usageError} from './errors'
import {findConfigFile, PACKAGE_ROOT} from './paths'
import {MASK, Secret} from './redact'

export type TargetName = 'aws' | 'local'

export interface Profile {
  name: string
  target: TargetName
  region: string
  /** How the local target runs its stack: processes cdcctl starts (native), or docker/docker-compose.yml (docker). */
  runtime: 'docker' | 'native'
  /** Where local state lives: Postgres/Kafka data, logs, run records, generated local credentials. */
  stateDir: string
  /** password: CDCCTL_DB_PASSWORD or the config file; otherwise the target reads it (local file, Secrets Manager). */
  /** caFile: the CA certificates the server is verified against: the local stack's own CA ({stateDir}/tls/ca.pem), on aws RDS's bundle ({stateDir}/tls/rds-ca.pem, fetched when missing). */
  postgres: {host: string; port: number; database: string; user: string; password?: Secret; secretName: string; caFile: string}
  kafka: {brokers: string[]; partitions: number; replicationFactor: number}
  connect: {url: string; connector: string; slot: string; publication: string; tables: string[]}
  storage: {root: string}
  ports: {postgres: number; kafka: number; controller: number; connect: number}
  /** Warning thresholds: the slot holds more WAL than this or its oldest held change is older (`health`, `status`), and how old a lake table's data may get (`status`; two hourly runs). */
  health: {slotLagWarnBytes: number; slotLagWarnSeconds: number; freshnessWarnSec: number}
  /** Local target: keep one Spark driver started ahead of the next `job run` (about 0.5 GiB while it waits; off by default). */
  spark: {warmDriver: boolean}
  /** Glue job names per catalog job and the prefix of their log groups (aws); filled from Terraform outputs after deploy. */
  glue: {jobNames: Record<string, string>; logGroupPrefix: string}
  /** Where `deploy` finds the Terraform root module and which envs/<env>.tfvars it applies (aws). */
  deploy: {terraformDir: string; env: string}
  /** SNS topic `notify` publishes to on aws (env CDCCTL_ALERTS_TOPIC_ARN overrides it). */
  alerts: {topicArn: string}
  /** Where the resolved values came from, for `config show`. */
  sources: string[]
}

type DeepPartial<T> = {[K in keyof T]?: T[K] extends Secret ? string : T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K]}
/** A profile as the config file, stored outputs and environment give it (a password is still a plain string). */
export type ProfileInput = DeepPartial<Omit<Profile, 'name' | 'sources'>>

interface ConfigFile {
  defaultProfile?: string
  profiles?: Record<string, ProfileInput>
}

export const DEFAULT_REGION = 'ap-south-1'
const DEFAULT_PORTS: Profile['ports'] = {postgres: 5432, kafka: 9092, controller: 9093, connect: 8083}

type Ports = Profile['ports']
/** A profile while it is being resolved: the password is still the plain string it was given as. */
type Resolving = Omit<Profile, 'name' | 'postgres' | 'sources'> & {postgres: Omit<Profile['postgres'], 'password'> & {password?: string}}

/** Local endpoints follow the ports, so moving one port in the config file moves its clients too. */
function defaults(target: TargetName, stateDir: string, ports: Ports): Resolving {
  const {source, tables} = catalog()
  return {
    target,
    region: DEFAULT_REGION,
    runtime: 'native',
    stateDir,
    postgres: {host: '127.0.0.1', port: ports.postgres, database: source.database, user: 'cdc', password: undefined, secretName: 'db-credentials', caFile: join(stateDir, 'tls', target === 'aws' ? 'rds-ca.pem' : 'ca.pem')},
    kafka: {brokers: [`127.0.0.1:${ports.kafka}`], partitions: 3, replicationFactor: 1},
    connect: {
      url: `http://127.0.0.1:${ports.connect}`,
      connector: 'cdc-postgres',
      slot: 'dbz_cdc_demo',
      publication: 'dbz_publication',
      tables: Object.keys(tables).map((t) => `${source.schema}.${t}`),
    },
    // empty: the target's default (LocalTarget: {stateDir}/lake; aws: the bucket deploy stores)
    storage: {root: ''},
    ports,
    health: {slotLagWarnBytes: 64 * 1024 * 1024, slotLagWarnSeconds: 300, freshnessWarnSec: 2 * 3600},
    spark: {warmDriver: false},
    glue: {
      jobNames: Object.fromEntries(jobNames().map((j) => [j, j])),
      // Glue's own log groups when a job sets no --custom-logGroup-prefix.
      logGroupPrefix: '/aws-glue/jobs',
    },
    // A relative terraformDir in the config file is resolved against that file's directory.
    deploy: {terraformDir: join(PACKAGE_ROOT, 'terraform'), env: 'dev'},
    alerts: {topicArn: ''},
  }
}

function readConfigFile(path: string): ConfigFile {
  const text = readFileSync(path, 'utf8')
  try {
    if (path.endsWith('.json')) return JSON.parse(text) as ConfigFile
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('yaml') as typeof import('yaml')).parse(text) as ConfigFile
  } catch (error) {
    throw usageError(`${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, [
      `fix the syntax in ${path}`,
    ])
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function merge<T>(base: T, over: unknown, path: string): T {
  if (over === undefined) return base
  if (!isObject(base)) return over as T
  if (!isObject(over)) throw usageError(`Configuration key "${path}" must be an object`, ['see README.md#configuration'])
  const out: Record<string, unknown> = {...(base as Record<string, unknown>)}
  for (const [key, value] of Object.entries(over)) {
    if (!(key in out)) throw usageError(`Unknown configuration key "${path}.${key}"`, ['check its spelling against `cdcctl config show`'])
    const current = out[key]
    if (current !== undefined && value !== undefined && !isObject(current) && typeof current !== typeof value && !(Array.isArray(current) && Array.isArray(value))) {
      throw usageError(`Configuration key "${path}.${key}" must be a ${Array.isArray(current) ? 'list' : typeof current}`, ['fix it in the config file or environment'])
    }
    out[key] = merge(current, value, `${path}.${key}`)
  }
  return out as T
}

/** A port from the environment: a whole number 1-65535, or a usage error naming the variable. */
function port(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65_535) throw usageError(`${name}=${v} is not a port number (1-65535)`, [`set ${name} to e.g. 5432, or unset it`])
  return Number(v)
}

/** An on/off switch from the environment: 1/true/on or 0/false/off, or a usage error naming the variable. */
function flag(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined
  if (/^(1|true|on)$/i.test(v)) return true
  if (/^(0|false|off)$/i.test(v)) return false
  throw usageError(`${name}=${v} is not on or off`, [`set ${name} to 1 or 0, or unset it`])
}

/** Environment variables override the file (ARCHITECTURE.md §4). */
function fromEnv(env: NodeJS.ProcessEnv): ProfileInput {
  const o: ProfileInput = {}
  if (env.AWS_REGION) o.region = env.AWS_REGION
  if (env.CDCCTL_RUNTIME) o.runtime = env.CDCCTL_RUNTIME as Profile['runtime']
  if (env.CDCCTL_CONNECT_URL) o.connect = {url: env.CDCCTL_CONNECT_URL}
  if (env.CDCCTL_KAFKA_BROKERS) o.kafka = {brokers: env.CDCCTL_KAFKA_BROKERS.split(',')}
  if (env.CDCCTL_STORAGE_ROOT) o.storage = {root: env.CDCCTL_STORAGE_ROOT}
  const warm = flag('CDCCTL_WARM_DRIVER', env.CDCCTL_WARM_DRIVER)
  if (warm !== undefined) o.spark = {warmDriver: warm}
  const pg = {
    host: env.CDCCTL_DB_HOST,
    port: port('CDCCTL_DB_PORT', env.CDCCTL_DB_PORT),
    database: env.CDCCTL_DB_NAME,
    user: env.CDCCTL_DB_USER,
    password: env.CDCCTL_DB_PASSWORD,
    secretName: env.CDCCTL_DB_SECRET_NAME,
    caFile: env.CDCCTL_DB_CA_FILE,
  }
  const set = Object.fromEntries(Object.entries(pg).filter(([, v]) => v !== undefined))
  if (Object.keys(set).length > 0) o.postgres = set
  return o
}

export interface LoadOptions {
  profile?: string
  cwd?: string
  env?: NodeJS.ProcessEnv
}

/** Resolve one profile: built-in defaults < config file < saved Terraform outputs < environment. */
export function loadProfile(options: LoadOptions = {}): Profile {
  const env = options.env ?? process.env
  const configPath = findConfigFile(options.cwd)
  const raw: unknown = configPath ? readConfigFile(configPath) : {}
  if (!isObject(raw)) throw usageError(`${configPath} must hold an object with "profiles"`, ['see README.md#configuration'])
  const file = raw as ConfigFile
  const name = options.profile ?? env.CDCCTL_PROFILE ?? file.defaultProfile ?? 'local'
  const fileProfile = file.profiles?.[name]
  if (!fileProfile && name !== 'local') {
    const known = ['local', ...Object.keys(file.profiles ?? {}).filter((p) => p !== 'local')]
    throw usageError(`Unknown profile "${name}"${configPath ? ` in ${configPath}` : ' (no cdcctl.config.json found)'}`, [
      `use one of: ${known.join(', ')}`,
      `add profiles.${name} to cdcctl.config.json`,
    ])
  }
  const target = (fileProfile?.target ?? (name === 'aws' ? 'aws' : 'local')) as TargetName
  if (target !== 'local' && target !== 'aws') {
    throw usageError(`Profile "${name}" has target "${String(target)}"; it must be "local" or "aws"`, ['fix profiles.' + name + '.target'])
  }
  const baseDir = configPath ? dirname(configPath) : resolve(options.cwd ?? process.cwd())
  const stateDir = resolve(baseDir, env.CDCCTL_STATE_DIR ?? fileProfile?.stateDir ?? '.cdcctl')
  const sources = ['defaults']
  const ports = merge(DEFAULT_PORTS, fileProfile?.ports, `profiles.${name}.ports`)
  let profile = merge(defaults(target, stateDir, ports), {...fileProfile, stateDir}, `profiles.${name}`)
  if (fileProfile) sources.push(configPath as string)
  const outputsFile = join(stateDir, 'outputs', `${name}.json`)
  if (existsSync(outputsFile)) {
    profile = merge(profile, JSON.parse(readFileSync(outputsFile, 'utf8')) as ProfileInput, 'outputs')
    sources.push(outputsFile)
  }
  const envOverrides = fromEnv(env)
  if (Object.keys(envOverrides).length > 0) {
    profile = merge(profile, envOverrides, 'env')
    sources.push('environment')
  }
  if (profile.runtime !== 'native' && profile.runtime !== 'docker') throw usageError(`runtime "${String(profile.runtime)}" must be native or docker`, ['set runtime in cdcctl.config.json or CDCCTL_RUNTIME to native or docker'])
  const {password, ...postgres} = profile.postgres
  return {...profile, postgres: {...postgres, password: password ? new Secret(password) : undefined}, name, sources}
}

/** A profile as `config show` prints it: plain data, the password (when one is set) as the mask. */
export type ProfileView = Omit<Profile, 'postgres'> & {postgres: Omit<Profile['postgres'], 'password'> & {password: string | null}}

export function profileView(profile: Profile): ProfileView {
  return {...profile, postgres: {...profile.postgres, password: profile.postgres.password ? MASK : null}}
}
