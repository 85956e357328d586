import {CdcError, firstLine} from './errors'
import {poll} from './poll'

/** One ECS service as DescribeServices reports it; `stable` is what the AWS services-stable waiter means by it. */
export interface ServiceState {
  service: string
  desired: number
  running: number
  pending: number
  /** ACTIVE, DRAINING, INACTIVE, or MISSING when ECS does not know the service. */
  status: string
  deployments: number
  /** ACTIVE, exactly one deployment, and as many tasks running as desired. */
  stable: boolean
}

/** DescribeServices takes at most 10 services per call. */
const BATCH = 10

/** Desired vs running tasks of each service, in the order asked; a service ECS does not know is MISSING and not stable. */
export async function ecsServiceStates(region: string, cluster: string, services: string[]): Promise<ServiceState[]> {
  if (services.length === 0) return []
  const {ECSClient, DescribeServicesCommand} = await import('@aws-sdk/client-ecs')
  const client = new ECSClient({region})
  const found = new Map<string, ServiceState>()
  try {
    for (let i = 0; i < services.length; i += BATCH) {
      const res = await client.send(new DescribeServicesCommand({cluster, services: services.slice(i, i + BATCH)}))
      for (const s of res.services ?? []) {
        const state: ServiceState = {
          service: s.serviceName ?? '',
          desired: s.desiredCount ?? 0,
          running: s.runningCount ?? 0,
          pending: s.pendingCount ?? 0,
          status: s.status ?? 'UNKNOWN',
          deployments: s.deployments?.length ?? 0,
          stable: false,
        }
        state.stable = state.status === 'ACTIVE' && state.deployments === 1 && state.running === state.desired
        found.set(state.service, state)
        if (s.serviceArn) found.set(s.serviceArn, state)
      }
    }
  } catch (error) {
    const name = (error as Error).name
    throw new CdcError(
      name === 'ClusterNotFoundException'
        ? `ECS cluster "${cluster}" does not exist in ${region}`
        : `ECS DescribeServices on cluster "${cluster}" in ${region} failed: ${firstLine((error as Error).message)}`,
      {code: name === 'ClusterNotFoundException' ? 'ECS_CLUSTER_NOT_FOUND' : 'ECS_ERROR', actions: ['cdcctl deploy --profile aws', 'check AWS_PROFILE / AWS_REGION'], cause: error},
    )
  }
  return services.map((name) => found.get(name) ?? {service: name, desired: 0, running: 0, pending: 0, status: 'MISSING', deployments: 0, stable: false})
}

/** "<service> running 1/1, …" for a progress line or a step's detail. */
export function statesLine(states: ServiceState[]): string {
  return states.map((s) => `${s.service} ${stateDetail(s)}`).join(', ')
}

/** "running 1/1", plus what else keeps a service from being stable. */
export function stateDetail(s: ServiceState): string {
  if (s.status === 'MISSING') return 'service does not exist'
  const extra = [
    s.pending > 0 ? `${s.pending} pending` : '',
    s.deployments === 1 ? '' : `${s.deployments} deployments`,
    s.status === 'ACTIVE' ? '' : s.status,
  ].filter(Boolean)
  return `running ${s.running}/${s.desired}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`
}

export interface WaitOptions {
  /** First pause between polls (ms); it grows by half each poll up to maxDelayMs. */
  initialDelayMs?: number
  maxDelayMs?: number
}

/**
 * Poll DescribeServices with backoff until every service is stable; returns the final states.
 * A timeout is one CdcError naming each service that is not stable with its running/desired counts.
 */
export function waitForStableServices(
  region: string,
  cluster: string,
  services: string[],
  timeoutSec: number,
  onUpdate?: (states: ServiceState[]) => void,
  options: WaitOptions = {},
): Promise<ServiceState[]> {
  return poll(() => ecsServiceStates(region, cluster, services), (states) => states.every((s) => s.stable), {
    timeoutMs: timeoutSec * 1000,
    intervalMs: options.initialDelayMs ?? 2000,
    backoff: 1.5,
    maxIntervalMs: options.maxDelayMs ?? 15_000,
    onUpdate,
    onTimeout: (states) => {
      const unstable = states.filter((s) => !s.stable)
      return new CdcError(`ECS services in cluster "${cluster}" not stable after ${timeoutSec}s: ${statesLine(unstable)}`, {
        code: 'ECS_NOT_STABLE',
        actions: [`aws ecs describe-services --cluster ${cluster} --services ${unstable.map((s) => s.service).join(' ')}`, 'cdcctl health --profile aws'],
      })
    },
  })
}
