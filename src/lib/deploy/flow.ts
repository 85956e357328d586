import {rmSync} from 'node:fs'

import type {Profile} from '../config'
import {type ServiceState, statesLine, waitForStableServices} from '../ecs'
import type {PlanSummary} from '../terraform'
import type {DeployEnvironment} from './environment'
import {ecsServicesFrom} from './outputs'
import {type Preflight, preflight} from './preflight'
import {planLine, type Steps} from './steps'

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
