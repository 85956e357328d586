import {expect} from 'chai'
import {chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {cdcctl, type CliResult, isOneLineError, json, ROOT} from '../helpers/cli'
import {type Moto, startMoto} from '../helpers/moto'

const SECRET = 'TopSecret-Value-9f2c1'
const CONNECT_URL = 'http://connect.cdcctl.internal:8083'
const ECS_CLUSTER = 'cdcctl-dev'
const DEBEZIUM_SERVICE = 'cdcctl-dev-debezium'
const AIRFLOW_SERVICE = 'cdcctl-dev-airflow'

/*
 * What deploy, plan, outputs and destroy do against real Terraform is tested on the emulator-applied
 * stack (test/terraform/emulator: cdcctl deploy, plan, outputs, destroy with the real binary and
 * the real S3 backend on moto). This file keeps what that run cannot produce on demand, and a
 * stand-in for the terraform binary is only here for those:
 * - a Terraform step that fails (version, init, plan, show, apply, output), and a Terraform older
 *   than 1.11: real Terraform cannot be made to fail at a chosen step, nor report another version;
 * - outputs that name an ECS service which never becomes stable, and a sensitive output value: the
 *   emulator-applied stack's services become stable and it has no sensitive output;
 * - refusals that must happen before any Terraform runs (the stand-in records that none ran).
 * The stand-in logs argv and cwd, prints canned JSON and fails the step named in FAKE_TF_FAIL.
 */
const STAND_IN = `#!${process.execPath}
const fs = require('fs')
const args = process.argv.slice(2)
const step = args[0]
fs.appendFileSync(process.env.FAKE_TF_LOG, JSON.stringify({argv: args, cwd: process.cwd()}) + '\\n')
const fail = (msg) => { process.stderr.write('Working...\\n╷\\n│ Error: ' + msg + '\\n│\\n│ more detail\\n╵\\n'); process.exit(1) }
if (process.env.FAKE_TF_FAIL === step) fail(step + ' exploded on purpose')
const plan = {format_version: '1.2', resource_changes: [
  {address: 'module.s3.aws_s3_bucket.lake', change: {actions: ['create']}},
  {address: 'module.glue.aws_glue_job.this["bronze-to-silver"]', change: {actions: ['update']}},
  {address: 'module.ecs.aws_ecs_service.debezium', change: {actions: ['delete', 'create']}},
  {address: 'data.aws_caller_identity.current', change: {actions: ['read']}},
]}
const outputs = {
  region: {sensitive: false, type: 'string', value: 'ap-south-1'},
  glue_database: {sensitive: false, type: 'string', value: 'cdc_dev'},
  glue_job_names: {sensitive: false, type: ['map', 'string'], value: {'kafka-to-bronze': 'cdcctl-dev-kafka-to-bronze', 'bronze-to-silver': 'cdcctl-dev-bronze-to-silver', 'silver-to-gold': 'cdcctl-dev-silver-to-gold', 'data-quality': 'cdcctl-dev-data-quality'}},
  glue_log_group_prefix: {sensitive: false, type: 'string', value: '/aws-glue/jobs/cdcctl-dev'},
  connect_url: {sensitive: false, type: 'string', value: '${CONNECT_URL}'},
  kafka_bootstrap_servers: {sensitive: false, type: 'string', value: '10.40.1.10:9092,10.40.2.10:9092'},
  db_secret_name: {sensitive: false, type: 'string', value: 'cdcctl-dev/db-credentials'},
  db_secret_arn: {sensitive: false, type: 'string', value: 'arn:aws:secretsmanager:ap-south-1:123456789012:secret:cdcctl-dev/db-credentials-AbCdEf'},
  alerts_topic_arn: {sensitive: false, type: 'string', value: 'arn:aws:sns:ap-south-1:123456789012:cdcctl-dev-alerts'},
  ecs_cluster_name: {sensitive: false, type: 'string', value: '${ECS_CLUSTER}'},
  ecs_service_names: {sensitive: false, type: ['object', {debezium: 'string', airflow: 'string'}], value: {debezium: '${DEBEZIUM_SERVICE}', airflow: process.env.FAKE_TF_AIRFLOW_SERVICE || '${AIRFLOW_SERVICE}'}},
  db_master_password: {sensitive: true, type: 'string', value: '${SECRET}'},
}
switch (step) {
  case 'version': console.log(JSON.stringify({terraform_version: process.env.FAKE_TF_VERSION || '1.11.4', platform: 'linux_amd64', provider_selections: {}, terraform_outdated: false})); break
  case 'init': console.log('Terraform has been successfully initialized!'); break
  case 'plan': { const out = args.find((a) => a.startsWith('-out=')).slice(5); fs.writeFileSync(out, 'saved plan ' + Date.now()); console.log('Plan: 2 to add, 1 to change, 1 to destroy.'); break }
  case 'show': if (!fs.existsSync(args[2])) fail('no plan file ' + args[2]); console.log(JSON.stringify(plan)); break
  case 'apply': if (!fs.existsSync(args[args.length - 1])) fail('Failed to load plan ' + args[args.length - 1]); console.log('Apply complete! Resources: 2 added, 1 changed, 1 destroyed.'); break
  case 'output': console.log(JSON.stringify(outputs)); break
  case 'destroy': console.log('Destroy complete!'); break
  default: fail('unexpected command ' + step)
}
`

interface Call {
  argv: string[]
  cwd: string
}

type DeployJson = {
  status: number
  result: {
    env: string
    plan: {add: number; change: number; destroy: number; replace: number; resources: {address: string; action: string}[]}
    steps: {step: string; status: string}[]
    upload: {uploaded: string[]; unchanged: string[]} | null
    services: {service: string; desired: number; running: number; stable: boolean}[] | null
    outputsFile: string | null
  }
}

describe('deploy, plan and destroy: failures and refusals (Terraform stand-in, moto STS and ECS)', function () {
  this.timeout(180_000)
  let moto: Moto
  let cwd: string
  let tfDir: string
  let log: string
  const runs: CliResult[] = []

  const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => {
    const res = await cdcctl(args, {cwd, env: {...moto.env, CDCCTL_TERRAFORM_BIN: join(cwd, 'bin', 'terraform'), FAKE_TF_LOG: log, FAKE_TF_FAIL: '', ...env}})
    runs.push(res)
    return res
  }
  const calls = (): Call[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call) : [])
  const steps = (): string[] => calls().map((c) => c.argv[0])

  /*
   * The ECS services the stand-in's outputs name, in moto: CreateService leaves runningCount 0 (tasks not started,
   * not stable); UpdateService with a desiredCount is moto's scheduler starting them (running = desired, stable).
   */
  const ecs = async () => {
    const sdk = await import('@aws-sdk/client-ecs')
    return {sdk, client: new sdk.ECSClient({region: 'ap-south-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})}
  }
  const createService = async (name: string) => {
    const {sdk, client} = await ecs()
    await client.send(new sdk.CreateServiceCommand({cluster: ECS_CLUSTER, serviceName: name, taskDefinition: 'cdcctl-dev-task', desiredCount: 1, launchType: 'FARGATE'}))
  }
  const startTasks = async (name: string) => {
    const {sdk, client} = await ecs()
    await client.send(new sdk.UpdateServiceCommand({cluster: ECS_CLUSTER, service: name, desiredCount: 1}))
  }
  before(async () => {
    moto = await startMoto()
    cwd = realpathSync(mkdtempSync(join(tmpdir(), 'cdcctl-deploy-')))
    log = join(cwd, 'terraform-calls.jsonl')
    mkdirSync(join(cwd, 'bin'))
    writeFileSync(join(cwd, 'bin', 'terraform'), STAND_IN)
    chmodSync(join(cwd, 'bin', 'terraform'), 0o755)
    tfDir = join(cwd, 'terraform')
    mkdirSync(join(tfDir, 'envs'), {recursive: true})
    copyFileSync(join(ROOT, 'terraform', 'outputs.tf'), join(tfDir, 'main.tf'))
    copyFileSync(join(ROOT, 'terraform', 'envs', 'dev.tfvars'), join(tfDir, 'envs', 'dev.tfvars'))
    copyFileSync(join(ROOT, 'terraform', 'envs', 'dev.backend.hcl'), join(tfDir, 'envs', 'dev.backend.hcl'))
    writeFileSync(join(cwd, 'cdcctl.config.json'), JSON.stringify({profiles: {aws: {target: 'aws', stateDir: 'state', deploy: {terraformDir: 'terraform', env: 'dev'}}}}))
    const e = await ecs()
    await e.client.send(new e.sdk.CreateClusterCommand({clusterName: ECS_CLUSTER}))
    await e.client.send(new e.sdk.RegisterTaskDefinitionCommand({family: 'cdcctl-dev-task', requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '512', memory: '1024', containerDefinitions: [{name: 'app', image: 'busybox', essential: true}]}))
    for (const name of [DEBEZIUM_SERVICE, AIRFLOW_SERVICE]) {
      await createService(name)
      await startTasks(name)
    }
  })

  beforeEach(() => rmSync(log, {force: true}))

  after(async () => {
    await moto?.stop()
    if (cwd) rmSync(cwd, {recursive: true, force: true})
  })

  it('refuses to deploy without --auto-approve when there is no terminal, before running Terraform', async () => {
    const res = await run(['deploy', '--profile', 'aws'])
    expect(res.code).to.equal(2)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('--auto-approve')
    expect(calls()).to.deep.equal([])
  })

  it('a local profile is a usage error pointing to --profile aws', async () => {
    const res = await run(['deploy', '--profile', 'local', '--auto-approve'])
    expect(res.code).to.equal(2)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('--profile aws')
  })

  it('an unknown --env is a usage error naming the environments there are', async () => {
    const res = await run(['deploy', '--profile', 'aws', '--env', 'prod', '--auto-approve'])
    expect(res.code).to.equal(2)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('--env dev')
  })

  it('an ECS service that never becomes stable fails deploy after --services-timeout with a one-line error naming it', async () => {
    await createService('cdcctl-dev-airflow-stuck')
    const res = await run(['deploy', '--profile', 'aws', '--auto-approve', '--skip-upload', '--services-timeout', '3'], {FAKE_TF_AIRFLOW_SERVICE: 'cdcctl-dev-airflow-stuck'})
    expect(res.code, res.stderr).to.equal(1)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('not stable after 3s: cdcctl-dev-airflow-stuck running 0/1')
    expect(res.stderr).to.not.contain(`${DEBEZIUM_SERVICE} running`)
    expect(steps()).to.deep.equal(['version', 'init', 'plan', 'show', 'apply', 'output'])
  })

  it('--no-wait-services skips the wait, even for a service that is not stable', async () => {
    const res = await run(['deploy', '--profile', 'aws', '--auto-approve', '--skip-upload', '--no-wait-services', '--json'], {FAKE_TF_AIRFLOW_SERVICE: 'cdcctl-dev-airflow-stuck'})
    expect(res.code, res.stderr).to.equal(0)
    const result = json<DeployJson>(res).result
    expect(result.steps.at(-1)).to.deep.include({step: 'services', status: 'skipped'})
    expect(result.services).to.equal(null)
  })

  for (const step of ['version', 'init', 'plan', 'show', 'apply', 'output']) {
    it(`a failed terraform ${step} is a one-line error naming the step, exit 1, and nothing runs after it`, async () => {
      const res = await run(['deploy', '--profile', 'aws', '--auto-approve'], {FAKE_TF_FAIL: step})
      expect(res.code, res.stderr).to.equal(1)
      expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
      expect(res.stderr).to.contain(`terraform ${step} failed: ${step} exploded on purpose`)
      expect(steps().at(-1)).to.equal(step)
      if (['version', 'init', 'plan', 'show'].includes(step)) expect(steps()).to.not.include('apply')
      // A failed apply leaves no saved plan behind (it embeds the prior state).
      if (step === 'apply') expect(existsSync(join(cwd, 'state', 'terraform', 'aws', 'dev', 'tfplan'))).to.equal(false)
    })
  }

  it('a Terraform older than 1.11 (no write-only arguments) is refused', async () => {
    const res = await run(['plan', '--profile', 'aws'], {FAKE_TF_VERSION: '1.10.5'})
    expect(res.code).to.equal(2)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('1.10.5')
    expect(steps()).to.deep.equal(['version'])
  })

  it('a missing terraform binary is a one-line error with the fix', async () => {
    const res = await run(['plan', '--profile', 'aws'], {CDCCTL_TERRAFORM_BIN: join(cwd, 'no-such-terraform')})
    expect(res.code).to.equal(2)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('CDCCTL_TERRAFORM_BIN')
  })

  it('destroy refuses without --confirm off a terminal, and a wrong --confirm', async () => {
    for (const args of [[], ['--confirm', 'prod']]) {
      const res = await run(['destroy', '--profile', 'aws', ...args])
      expect(res.code).to.equal(2)
      expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
      expect(res.stderr).to.contain('--confirm dev')
    }
    expect(steps()).to.deep.equal([])
  })

  it('no sensitive output value was ever printed or stored', () => {
    expect(runs.filter((r) => r.code === 0).length).to.be.greaterThan(0)
    // The outputs (the sensitive one among them) were read and stored: there was something to leak.
    expect(existsSync(join(cwd, 'state', 'outputs', 'aws.terraform.json'))).to.equal(true)
    for (const r of runs) expect(r.stdout + r.stderr).to.not.contain(SECRET)
    const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]))
    for (const file of walk(join(cwd, 'state'))) expect(readFileSync(file, 'utf8'), file).to.not.contain(SECRET)
  })
})
