import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {usageError} from './errors'
import {PACKAGE_ROOT} from './paths'

/**
 * The pipeline catalog (pipeline.yaml at the repository root, schema pipeline.schema.json): the one
 * place that names tables, jobs, job arguments, orchestration tasks and per-command AWS permissions.
 * The jobs (cdc_lake/catalog.py), Terraform and the DAG read the same file.
 */
export const CATALOG_FILE = join(PACKAGE_ROOT, 'pipeline.yaml')

/** Values a target fills in for a job; the user never passes them. */
export type Provided =
  | 'catalog'
  | 'db_ca_file'
  | 'db_credentials_file'
  | 'db_host'
  | 'db_name'
  | 'db_port'
  | 'db_secret_name'
  | 'db_user'
  | 'dq_rules'
  | 'kafka_brokers'
  | 'region'
  | 'run_id'
  | 'storage_root'

export interface ArgumentSpec {
  description: string
  default?: string
  local?: string
  aws?: string
  choices?: string[]
  type?: 'date' | 'integer' | 'number' | 'string'
  minimum?: number
  provided?: Provided
}

export interface JobSpec {
  script: string
  kind: 'batch' | 'streaming'
  summary: string
  python_modules?: string[]
  needs?: string[]
  arguments: Record<string, ArgumentSpec>
}

export interface TableSpec {
  key: string
  silver: string
  columns: Record<string, string>
  derived?: Record<string, {type: string; sql: string}>
}

export interface OrchestrationTask {
  id: string
  command: string
  args?: string[]
  tables?: 'gold' | 'silver'
  after?: string[]
}

export interface Catalog {
  version: 1
  source: {database: string; schema: string; topic_prefix: string; signal_table: string; heartbeat_table: string; roles: {replication: string; quality: string}; types: Record<string, string>}
  lake: {namespace: string; bronze: string}
  tables: Record<string, TableSpec>
  gold: Record<string, {key: string; reads: string[]; builder: string}>
  connect: {worker: Record<string, string>; secret_env: Record<string, {env: string; secret_key: string}>}
  tls: {rds_ca_bundle_url: string; connect_root_cert: string; job_ca_file: string}
  job_arguments: Record<string, ArgumentSpec>
  jobs: Record<string, JobSpec>
  orchestration: {dag_id: string; schedule: string; tasks: OrchestrationTask[]; notify: string; cleanup: string}
  aws: {
    permissions: Record<string, {actions: string[]; resource: string}[]>
    commands: Record<string, string[]>
    needs: Record<string, string[]>
  }
}

let cached: Catalog | undefined

/** The catalog, read once per process (the yaml parser loads only here). */
export function catalog(): Catalog {
  if (!cached) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const {parse} = require('yaml') as typeof import('yaml')
    // merge: the catalog shares argument sets between jobs with YAML merge keys (<<: *anchor)
    cached = parse(readFileSync(CATALOG_FILE, 'utf8'), {merge: true}) as Catalog
  }
  return cached
}

export const jobNames = (): string[] => Object.keys(catalog().jobs)
export const sourceTables = (): string[] => Object.keys(catalog().tables)
export const silverTables = (): string[] => Object.values(catalog().tables).map((t) => t.silver)
export const goldTables = (): string[] => Object.keys(catalog().gold)
/** The catalog's topics, in table order (help examples name them). */
export const topics = (): string[] => sourceTables().map((t) => topicFor(t))

/** `<topic_prefix>.<table>` for a table name, with or without its schema (`<schema>.<table>`). */
export const topicFor = (table: string): string => `${catalog().source.topic_prefix}.${table.split('.').pop()}`

/** The catalog's own job name, or a one-line usage error listing the known ones. */
export function jobSpec(job: string): JobSpec {
  const spec = catalog().jobs[job]
  if (!spec) throw usageError(`Unknown job "${job}"`, [`use one of: ${jobNames().join(', ')}`])
  return spec
}

/** Every argument a job takes: the common ones, then its own. */
export function jobArguments(job: string): Record<string, ArgumentSpec> {
  return {...catalog().job_arguments, ...jobSpec(job).arguments}
}

/** The job that declares the argument `name` (e.g. the one that takes `allow`). */
export function jobWithArgument(name: string): string {
  const job = jobNames().find((j) => name in catalog().jobs[j].arguments)
  if (!job) throw new Error(`pipeline.yaml: no job takes the ${name} argument`)
  return job
}

/** The job that takes a target-provided value, e.g. the data-quality job takes the rules (`dq_rules`). */
export function jobTaking(provided: Provided): string {
  const job = jobNames().find((j) => Object.values(catalog().jobs[j].arguments).some((a) => a.provided === provided))
  if (!job) throw new Error(`pipeline.yaml: no job takes the ${provided} argument`)
  return job
}
