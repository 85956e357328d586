import {existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import type {Profile, ProfileInput} from '../config'
import {CdcError} from '../errors'
import {registerSecret} from '../redact'
import type {TerraformOutput} from '../terraform'
import type {DeployEnvironment} from './environment'

export interface StoredOutputs {
  /** `{stateDir}/outputs/<profile>.json`: merged over the profile by loadProfile. */
  profileFile: string
  /** `{stateDir}/outputs/<profile>.terraform.json`: every non-sensitive Terraform output, as Terraform named it. */
  terraformFile: string
  profile: ProfileInput
  outputs: Record<string, unknown>
}

export const outputFiles = (profile: Profile) => ({
  profileFile: join(profile.stateDir, 'outputs', `${profile.name}.json`),
  terraformFile: join(profile.stateDir, 'outputs', `${profile.name}.terraform.json`),
})

/** Sensitive outputs are dropped here, before anything can print or store them. */
export function publicOutputs(raw: Record<string, TerraformOutput>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, o] of Object.entries(raw).sort(([a], [b]) => a.localeCompare(b))) {
    if (o.sensitive) {
      if (typeof o.value === 'string') registerSecret(o.value)
      continue
    }
    out[name] = o.value
  }
  return out
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

/** The root module's outputs (terraform/outputs.tf) as the profile keys every command reads. */
export function toProfileInput(outputs: Record<string, unknown>): ProfileInput {
  const p: ProfileInput = {}
  if (str(outputs.region)) p.region = str(outputs.region)
  if (str(outputs.data_lake_bucket)) p.storage = {root: `s3://${outputs.data_lake_bucket as string}`}
  if (str(outputs.connect_url)) p.connect = {url: str(outputs.connect_url)}
  const brokers = outputs.kafka_bootstrap_servers
  if (Array.isArray(brokers)) p.kafka = {brokers: brokers.map(String)}
  else if (str(brokers)) p.kafka = {brokers: (brokers as string).split(',').map((b) => b.trim()).filter(Boolean)}
  const glue: NonNullable<ProfileInput['glue']> = {}
  if (str(outputs.glue_log_group_prefix)) glue.logGroupPrefix = str(outputs.glue_log_group_prefix)
  if (outputs.glue_job_names && typeof outputs.glue_job_names === 'object') glue.jobNames = outputs.glue_job_names as Record<string, string>
  if (Object.keys(glue).length > 0) p.glue = glue
  if (str(outputs.db_secret_name)) p.postgres = {secretName: str(outputs.db_secret_name)}
  if (str(outputs.alerts_topic_arn)) p.alerts = {topicArn: str(outputs.alerts_topic_arn)}
  return p
}

function writeAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), {recursive: true})
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n')
  renameSync(tmp, path)
}

/** Store the outputs so every later command of this profile finds its endpoints. */
export function storeOutputs(profile: Profile, raw: Record<string, TerraformOutput>): StoredOutputs {
  const outputs = publicOutputs(raw)
  const input = toProfileInput(outputs)
  const files = outputFiles(profile)
  writeAtomic(files.profileFile, input)
  writeAtomic(files.terraformFile, outputs)
  return {...files, profile: input, outputs}
}

export function readStoredOutputs(profile: Profile): StoredOutputs | undefined {
  const files = outputFiles(profile)
  if (!existsSync(files.profileFile)) return undefined
  const read = (p: string) => (existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>) : {})
  return {...files, profile: read(files.profileFile) as ProfileInput, outputs: read(files.terraformFile)}
}

export interface OutputsView {
  source: 'stored' | 'terraform'
  profileFile: string
  /** The profile keys the outputs set. */
  profile: ProfileInput
  /** Every non-sensitive Terraform output; sensitive ones are never read into cdcctl's files or output. */
  outputs: Record<string, unknown>
}

/** The stored outputs, or (refresh, or none stored) Terraform's own, stored again. */
export async function currentOutputs(profile: Profile, environment: DeployEnvironment, refresh: boolean): Promise<OutputsView> {
  const stored = refresh ? undefined : readStoredOutputs(profile)
  if (stored) return {source: 'stored', profileFile: stored.profileFile, profile: stored.profile, outputs: stored.outputs}
  await environment.terraform.init(environment.backendConfig)
  const fresh = storeOutputs(profile, await environment.terraform.output())
  if (Object.keys(fresh.outputs).length === 0) throw new CdcError(`Terraform has no outputs for "${environment.env}"`, {code: 'NO_OUTPUTS', actions: [`cdcctl deploy --profile ${profile.name}`]})
  return {source: 'terraform', profileFile: fresh.profileFile, profile: fresh.profile, outputs: fresh.outputs}
}

export function removeStoredOutputs(profile: Profile): void {
  const files = outputFiles(profile)
  rmSync(files.profileFile, {force: true})
  rmSync(files.terraformFile, {force: true})
}

export interface EcsServices {
  cluster: string
  /** Service names keyed by role: debezium, airflow. */
  services: Record<string, string>
}

/** The ECS cluster and services of Terraform's ecs_cluster_name and ecs_service_names outputs, when it gave them. */
export function ecsServicesFrom(outputs: Record<string, unknown>): EcsServices | undefined {
  const cluster = str(outputs.ecs_cluster_name)
  const names = outputs.ecs_service_names
  if (!cluster || !names || typeof names !== 'object' || Array.isArray(names)) return undefined
  const services = Object.fromEntries(Object.entries(names as Record<string, unknown>).filter(([, v]) => str(v) !== undefined)) as Record<string, string>
  return Object.keys(services).length > 0 ? {cluster, services} : undefined
}

/** One Terraform output as the last deploy of this profile stored it ({stateDir}/outputs/<profile>.terraform.json). */
export function storedOutput(profile: Profile, name: string): unknown {
  const {terraformFile} = outputFiles(profile)
  if (!existsSync(terraformFile)) return undefined
  try {
    return (JSON.parse(readFileSync(terraformFile, 'utf8')) as Record<string, unknown>)[name]
  } catch {
    return undefined
  }
}

/** The ECS services stored by the last deploy of this profile. */
export function ecsServices(profile: Profile): EcsServices | undefined {
  return ecsServicesFrom({ecs_cluster_name: storedOutput(profile, 'ecs_cluster_name'), ecs_service_names: storedOutput(profile, 'ecs_service_names')})
}
