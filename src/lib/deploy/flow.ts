import {rmSync} from 'node:fs'

import type {Profile} from '../config'
import {type ServiceState, statesLine, waitForStableServices} from '../ecs'
import {CdcError} from '../errors'
import {openStore} from '../storage'
import type {PlanSummary} from '../terraform'
import type {DeployEnvironment} from './environment'
import {ecsServicesFrom, removeStoredOutputs, storeOutputs} from './outputs'
import {type Preflight, preflight} from './preflight'
import {planLine, type Steps} from './steps'
import {collectArtifacts, rdsCaArtifact, type UploadResult, uploadArtifacts} from './upload'

export interface Prepared {
  preflight: Preflight
  plan: PlanSummary
}

/** preflight → init → plan into the environment's plan file → show -json of that same file. */
export async function preparePlan(profile: Profile, environment: DeployEnvironment, steps: Steps, options: {destroy?: boolean} = {}): Promise<Prepared> {
  const {terraform, planFile} = environment
  const pre = await steps.run('preflight', 'checking Terraform and AWS credentials', () => preflight(profile, environment), (p) => `Terraform ${p.terraformVersion}, account ${p.account}, ${p.region}`)
  await steps.run('init', `terraform init (${environment.env})`, () => terraform.init(environment.backendConfig))
  // A plan file left by an earlier run must never be applied in place of this one.
  rmSync(planFile, {force: true})
  await steps.run('plan', `terraform plan (${environment.env})`, () => terraform.plan(planFile, environment.varFile, options))
  const plan = await steps.run('show', 'reading the plan', () => terraform.show(planFile), planLine)
  return {preflight: pre, plan}
}

export interface ApplyOptions {
  upload: boolean
  waitServices: boolean
  servicesTimeoutSec: number
}

export interface Applied {
  outputsFile: string
  upload: UploadResult | null
  /** The ECS services once stable; null when not waited for. */
  services: ServiceState[] | null
}

/**
 * After the plan was confirmed: apply exactly that plan file (then delete it: it embeds the prior
 * state), store the outputs in the profile, upload the scripts and DAGs, and wait for the ECS services.
 */
export async function applyPlan(profile: Profile, environment: DeployEnvironment, steps: Steps, options: ApplyOptions): Promise<Applied> {
  try {
    await steps.run('apply', `terraform apply (${environment.env})`, () => environment.terraform.apply(environment.planFile))
  } finally {
    rmSync(environment.planFile, {force: true})
  }
  const stored = await steps.run('outputs', 'storing Terraform outputs in the profile', async () => storeOutputs(profile, await environment.terraform.output()), (s) => s.profileFile)
  const region = stored.profile.region ?? profile.region
  let upload: UploadResult | null = null
  if (options.upload) {
    const root = stored.profile.storage?.root ?? profile.storage.root
    if (!root) throw new CdcError('Terraform gave no data_lake_bucket output to upload the job scripts to', {code: 'NO_STORAGE_ROOT', actions: ['check terraform/outputs.tf', 'set storage.root in the profile']})
    upload = await steps.run('upload', `uploading job scripts and DAGs to ${root}`, async () => uploadArtifacts(openStore(root, region), [...collectArtifacts(), await rdsCaArtifact(profile.postgres.caFile)]), (u) => `${u.uploaded.length} uploaded, ${u.unchanged.length} unchanged`)
  } else {
    steps.skip('upload', '--skip-upload')
  }
  // Last, so a slow or failing service never holds back the scripts and DAGs it may need.
  const services = options.waitServices ? await waitForServices(region, stored.outputs, steps, options.servicesTimeoutSec) : (steps.skip('services', '--no-wait-services'), null)
  return {outputsFile: stored.profileFile, upload, services}
}

/** After apply: wait until the ECS services Terraform's outputs name (Debezium, Airflow) are stable; null when it names none. */
export async function waitForServices(region: string, outputs: Record<string, unknown>, steps: Steps, timeoutSec: number): Promise<null | ServiceState[]> {
  const ecs = ecsServicesFrom(outputs)
  if (!ecs) {
    steps.skip('services', 'the Terraform outputs name no ECS services (ecs_cluster_name, ecs_service_names)')
    return null
  }
  const names = Object.values(ecs.services)
  return steps.run(
    'services',
    `waiting for ECS services ${names.join(', ')} to be stable`,
    (progress) => waitForStableServices(region, ecs.cluster, names, timeoutSec, (states) => progress.update(`waiting for ECS services: ${statesLine(states)}`)),
    statesLine,
  )
}

/** preflight → init → terraform destroy, then the profile forgets the environment's stored outputs. */
export async function destroyEnvironment(profile: Profile, environment: DeployEnvironment, steps: Steps): Promise<Preflight> {
  const pre = await steps.run('preflight', 'checking Terraform and AWS credentials', () => preflight(profile, environment), (p) => `Terraform ${p.terraformVersion}, account ${p.account}`)
  await steps.run('init', `terraform init (${environment.env})`, () => environment.terraform.init(environment.backendConfig))
  await steps.run('destroy', `terraform destroy (${environment.env})`, () => environment.terraform.destroy(environment.varFile))
  removeStoredOutputs(profile)
  return pre
}
