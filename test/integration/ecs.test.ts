import {expect} from 'chai'
import {mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ecsServiceStates, type ServiceState, waitForStableServices} from '../../src/lib/ecs'
import {CdcError} from '../../src/lib/errors'
import {cdcctl, json} from '../helpers/cli'
import {freePort, type Moto, startMoto} from '../helpers/moto'

const REGION = 'ap-south-1'
const CLUSTER = 'cdcctl-test'

/** A port nothing listens on, so health's Kafka and Connect checks fail fast. */
const closedPort = freePort

/*
 * How moto models ECS: CreateService leaves runningCount 0 (pendingCount = desiredCount), so a service created
 * with desiredCount 1 is not stable — the state of a service whose tasks have not started. UpdateService with a
 * desiredCount is moto's scheduler catching up: runningCount becomes the desired count, in one deployment.
 */
describe('ECS service states, waiting for stable services, and health on aws (moto server)', function () {
  this.timeout(120_000)
  let moto: Moto
  let cwd: string
  const saved: NodeJS.ProcessEnv = {}

  const ecs = async () => {
    const sdk = await import('@aws-sdk/client-ecs')
    return {sdk, client: new sdk.ECSClient({region: REGION, endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})}
  }
  const createService = async (name: string, desiredCount: number) => {
    const {sdk, client} = await ecs()
    await client.send(new sdk.CreateServiceCommand({cluster: CLUSTER, serviceName: name, taskDefinition: 'debezium-connect', desiredCount, launchType: 'FARGATE'}))
  }
  /** moto starts the desired tasks on UpdateService. */
  const startTasks = async (name: string, desiredCount: number) => {
    const {sdk, client} = await ecs()
    await client.send(new sdk.UpdateServiceCommand({cluster: CLUSTER, service: name, desiredCount}))
  }

  before(async () => {
    moto = await startMoto()
    // The library functions run in this process: point its AWS SDK at moto, as cdcctl's environment would be.
    for (const [k, v] of Object.entries(moto.env)) {
      saved[k] = process.env[k]
      process.env[k] = v
    }
    const {sdk, client} = await ecs()
    await client.send(new sdk.CreateClusterCommand({clusterName: CLUSTER}))
    await client.send(
      new sdk.RegisterTaskDefinitionCommand({
        family: 'debezium-connect',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '512',
        memory: '1024',
        containerDefinitions: [{name: 'connect', image: 'quay.io/debezium/connect:2.7', essential: true}],
      }),
    )
    await createService('stable-svc', 1)
    await startTasks('stable-svc', 1)
    await createService('zero-svc', 0)
    await createService('unstable-svc', 1)

    cwd = realpathSync(mkdtempSync(join(tmpdir(), 'cdcctl-ecs-')))
    const [kafkaPort, connectPort] = [await closedPort(), await closedPort()]
    writeFileSync(
      join(cwd, 'cdcctl.config.json'),
      JSON.stringify({profiles: {aws: {target: 'aws', stateDir: 'state', kafka: {brokers: [`127.0.0.1:${kafkaPort}`]}, connect: {url: `http://127.0.0.1:${connectPort}`}}}}),
    )
  })

  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
    await moto?.stop()
    if (cwd) rmSync(cwd, {recursive: true, force: true})
  })

  it('ecsServiceStates reports desired, running and pending per service, in the order asked; a missing service is MISSING', async () => {
    const states = await ecsServiceStates(REGION, CLUSTER, ['unstable-svc', 'stable-svc', 'zero-svc', 'no-such-svc'])
    const pick = (s: ServiceState) => ({service: s.service, desired: s.desired, running: s.running, pending: s.pending, status: s.status, deployments: s.deployments, stable: s.stable})
    expect(states.map(pick)).to.deep.equal([
      {service: 'unstable-svc', desired: 1, running: 0, pending: 1, status: 'ACTIVE', deployments: 1, stable: false},
      {service: 'stable-svc', desired: 1, running: 1, pending: 0, status: 'ACTIVE', deployments: 1, stable: true},
      {service: 'zero-svc', desired: 0, running: 0, pending: 0, status: 'ACTIVE', deployments: 1, stable: true},
      {service: 'no-such-svc', desired: 0, running: 0, pending: 0, status: 'MISSING', deployments: 0, stable: false},
    ])
  })

  it('a cluster that does not exist is a CdcError naming it', async () => {
    const error = await ecsServiceStates(REGION, 'no-such-cluster', ['stable-svc']).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).to.be.instanceOf(CdcError)
    expect((error as CdcError).code).to.equal('ECS_CLUSTER_NOT_FOUND')
    expect((error as CdcError).message).to.contain('"no-such-cluster" does not exist')
    expect((error as CdcError).message.split('\n')).to.have.length(1)
  })

  it('waitForStableServices returns at once when every service is stable', async () => {
    const started = Date.now()
    const states = await waitForStableServices(REGION, CLUSTER, ['stable-svc', 'zero-svc'], 10)
    expect(states.every((s) => s.stable)).to.equal(true)
    expect(Date.now() - started).to.be.lessThan(5000)
  })

  it('waitForStableServices polls until a service reaches its desired count', async () => {
    await createService('rollout-svc', 1)
    const seen: string[] = []
    const timer = setTimeout(() => void startTasks('rollout-svc', 1), 1500)
    try {
      const states = await waitForStableServices(REGION, CLUSTER, ['stable-svc', 'rollout-svc'], 30, (s) => seen.push(`${s[1].running}/${s[1].desired}`), {initialDelayMs: 200, maxDelayMs: 500})
      expect(states.map((s) => `${s.service}:${s.running}/${s.desired}:${s.stable}`)).to.deep.equal(['stable-svc:1/1:true', 'rollout-svc:1/1:true'])
    } finally {
      clearTimeout(timer)
    }
    expect(seen[0]).to.equal('0/1')
    expect(seen.at(-1)).to.equal('1/1')
    expect(seen.length).to.be.greaterThan(2)
  })

  it('an unstable service times out with a one-line error naming it and its running/desired counts, and only it', async () => {
    const started = Date.now()
    const error = await waitForStableServices(REGION, CLUSTER, ['stable-svc', 'unstable-svc', 'no-such-svc'], 2, undefined, {initialDelayMs: 300}).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(Date.now() - started).to.be.within(1900, 10_000)
    expect(error).to.be.instanceOf(CdcError)
    const e = error as CdcError
    expect(e.code).to.equal('ECS_NOT_STABLE')
    expect(e.message.split('\n')).to.have.length(1)
    expect(e.message).to.contain('after 2s')
    expect(e.message).to.contain('unstable-svc running 0/1')
    expect(e.message).to.contain('no-such-svc service does not exist')
    expect(e.message).to.not.match(/[:;] stable-svc /)
    expect(e.actions.join(' ')).to.contain('--services unstable-svc no-such-svc')
  })

  it('health --profile aws has one ecs row per service the stored outputs name', async () => {
    mkdirSync(join(cwd, 'state', 'outputs'), {recursive: true})
    writeFileSync(join(cwd, 'state', 'outputs', 'aws.json'), JSON.stringify({region: REGION}))
    writeFileSync(join(cwd, 'state', 'outputs', 'aws.terraform.json'), JSON.stringify({region: REGION, ecs_cluster_name: CLUSTER, ecs_service_names: {debezium: 'stable-svc', airflow: 'unstable-svc'}}))
    const res = await cdcctl(['health', '--profile', 'aws', '--json'], {cwd, env: moto.env})
    expect(res.code, res.stderr).to.equal(1) // Postgres, Kafka and Connect are unreachable here; only the ecs rows are asserted
    const report = json<{result: {healthy: boolean; checks: {component: string; check: string; status: string; detail: string}[]}}>(res).result
    expect(report.healthy).to.equal(false)
    expect(report.checks.filter((c) => c.component === 'ecs')).to.deep.equal([
      {component: 'ecs', check: 'service debezium (stable-svc)', status: 'ok', detail: 'running 1/1'},
      {component: 'ecs', check: 'service airflow (unstable-svc)', status: 'fail', detail: 'running 0/1 (1 pending)'},
    ])
    expect(report.checks.map((c) => c.component)).to.include.members(['postgres', 'kafka', 'connect'])
  })

  it('health --profile aws without stored ECS outputs has no ecs rows', async () => {
    rmSync(join(cwd, 'state', 'outputs', 'aws.terraform.json'))
    const res = await cdcctl(['health', '--profile', 'aws', '--json'], {cwd, env: moto.env})
    const report = json<{result: {checks: {component: string}[]}}>(res).result
    expect(report.checks.filter((c) => c.component === 'ecs')).to.deep.equal([])
  })
})
