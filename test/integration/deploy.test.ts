import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {cdcctl, type CliResult, isOneLineError, json, ROOT} from '../helpers/cli'
import {type Moto, startMoto} from '../helpers/moto'

const BUCKET = 'cdcctl-dev-lake-test'
const SECRET = 'TopSecret-Value-9f2c1'
const CONNECT_URL = 'http://connect.cdcctl.internal:8083'
const ECS_CLUSTER = 'cdcctl-dev'
const DEBEZIUM_SERVICE = 'cdcctl-dev-debezium'
const AIRFLOW_SERVICE = 'cdcctl-dev-airflow'

/** A recording stand-in for the terraform binary: logs argv and cwd, prints canned JSON, fails the step named in FAKE_TF_FAIL. */
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
  data_lake_bucket: {sensitive: false, type: 'string', value: '${BUCKET}'},
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

describe('deploy, plan, outputs and destroy (Terraform stand-in, moto STS and S3)', function () {
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

  const s3 = async () => {
    const sdk = await import('@aws-sdk/client-s3')
    return {sdk, client: new sdk.S3Client({region: 'ap-south-1', endpoint: moto.url, forcePathStyle: true, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})}
  }
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
  const objectKeys = async (): Promise<string[]> => {
    const {sdk, client} = await s3()
    const res = await client.send(new sdk.ListObjectsV2Command({Bucket: BUCKET}))
    return (res.Contents ?? []).map((o) => o.Key as string).sort()
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
    const {sdk, client} = await s3()
    await client.send(new sdk.CreateBucketCommand({Bucket: BUCKET, CreateBucketConfiguration: {LocationConstraint: 'ap-south-1'}}))
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

  it('--dry-run runs preflight, init and plan and applies nothing', async () => {
    const res = await run(['deploy', '--profile', 'aws', '--dry-run', '--json'])
    expect(res.code, res.stderr).to.equal(0)
    expect(steps()).to.deep.equal(['version', 'init', 'plan', 'show'])
    const out = json<DeployJson>(res)
    expect(out.result.steps.map((s) => `${s.step}:${s.status}`)).to.deep.equal(['preflight:ok', 'init:ok', 'plan:ok', 'show:ok', 'apply:skipped', 'outputs:skipped', 'upload:skipped', 'services:skipped'])
    expect(out.result.upload).to.equal(null)
    expect(existsSync(join(cwd, 'state', 'outputs', 'aws.json'))).to.equal(false)
  })

  it('deploys: version → init with backend config → plan -out FILE → show FILE → apply FILE → outputs, then uploads the scripts', async () => {
    const res = await run(['deploy', '--profile', 'aws', '--auto-approve', '--json'])
    expect(res.code, res.stderr).to.equal(0)
    const c = calls()
    expect(c.map((x) => x.argv[0])).to.deep.equal(['version', 'init', 'plan', 'show', 'apply', 'output'])
    for (const call of c) expect(call.cwd).to.equal(tfDir)
    expect(c[0].argv).to.deep.equal(['version', '-json'])
    expect(c[1].argv).to.include('-backend-config=envs/dev.backend.hcl')
    expect(c[2].argv).to.include('-var-file=envs/dev.tfvars')
    const out = c[2].argv.find((a) => a.startsWith('-out='))
    expect(out).to.be.a('string')
    const planFile = (out as string).slice('-out='.length)
    expect(planFile.startsWith(join(cwd, 'state'))).to.equal(true)
    expect(c[3].argv).to.deep.equal(['show', '-json', planFile])
    expect(c[4].argv[0]).to.equal('apply')
    expect(c[4].argv.at(-1)).to.equal(planFile)
    expect(c[5].argv).to.deep.equal(['output', '-json'])

    const result = json<DeployJson>(res).result
    expect(result.env).to.equal('dev')
    expect(result.steps.map((s) => `${s.step}:${s.status}`)).to.deep.equal(['preflight:ok', 'init:ok', 'plan:ok', 'show:ok', 'apply:ok', 'outputs:ok', 'upload:ok', 'services:ok'])
    expect(result.services?.map((s) => `${s.service}:${s.running}/${s.desired}:${s.stable}`)).to.deep.equal([`${DEBEZIUM_SERVICE}:1/1:true`, `${AIRFLOW_SERVICE}:1/1:true`])
    expect({add: result.plan.add, change: result.plan.change, destroy: result.plan.destroy, replace: result.plan.replace}).to.deep.equal({add: 2, change: 1, destroy: 1, replace: 1})
    expect(result.plan.resources.map((r) => r.address)).to.not.include('data.aws_caller_identity.current')

    const pyIn = (dir: string, prefix: string) => (existsSync(join(ROOT, dir)) ? readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.py')).map((f) => `${prefix}/${f}`) : [])
    const scripts = [...pyIn('glue-jobs', 'scripts'), ...pyIn(join('airflow', 'dags'), 'dags')]
    expect(result.upload?.uploaded).to.include.members([...scripts, 'scripts/cdc_lake.zip', 'scripts/rds-ca.pem'])
    expect(result.upload?.unchanged).to.deep.equal([])
    expect(await objectKeys()).to.include.members([...scripts, 'scripts/cdc_lake.zip', 'scripts/.manifest.json'])
  })

  it('the uploaded cdc_lake.zip is a valid zip with the package at its root', async () => {
    const {sdk, client} = await s3()
    const res = await client.send(new sdk.GetObjectCommand({Bucket: BUCKET, Key: 'scripts/cdc_lake.zip'}))
    const zip = join(cwd, 'cdc_lake.zip')
    writeFileSync(zip, await (res.Body as {transformToByteArray(): Promise<Uint8Array>}).transformToByteArray())
    const py = spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(z.namelist()))', zip], {encoding: 'utf8'})
    expect(py.status, py.stderr).to.equal(0)
    const names = py.stdout.trim().split('\n')
    expect(names).to.include('cdc_lake/__init__.py')
    expect(names).to.deep.equal([...names].sort())
    expect(names.some((n) => n.includes('__pycache__'))).to.equal(false)
  })

  it('a second deploy uploads nothing that is unchanged', async () => {
    const res = await run(['deploy', '--profile', 'aws', '--auto-approve', '--json'])
    expect(res.code, res.stderr).to.equal(0)
    const upload = json<DeployJson>(res).result.upload
    expect(upload?.uploaded).to.deep.equal([])
    expect(upload?.unchanged).to.include('scripts/cdc_lake.zip')
  })

  it('waits for an ECS service whose tasks start during the wait, then succeeds', async () => {
    await createService('cdcctl-dev-airflow-rollout')
    const timer = setTimeout(() => void startTasks('cdcctl-dev-airflow-rollout'), 4000)
    const started = Date.now()
    let res: CliResult
    try {
      res = await run(['deploy', '--profile', 'aws', '--auto-approve', '--skip-upload', '--json'], {FAKE_TF_AIRFLOW_SERVICE: 'cdcctl-dev-airflow-rollout'})
    } finally {
      clearTimeout(timer)
    }
    expect(res.code, res.stderr).to.equal(0)
    expect(Date.now() - started).to.be.greaterThan(4000)
    const result = json<DeployJson>(res).result
    expect(result.steps.map((s) => `${s.step}:${s.status}`).slice(-2)).to.deep.equal(['upload:skipped', 'services:ok'])
    expect(result.services?.find((s) => s.service === 'cdcctl-dev-airflow-rollout')).to.include({running: 1, desired: 1, stable: true})
  })

  it('an ECS service that never becomes stable fails deploy after --services-timeout with a one-line error naming it', async () => {
    await createService('cdcctl-dev-airflow-stuck')
    const res = await run(['deploy', '--profile', 'aws', '--auto-approve', '--services-timeout', '3'], {FAKE_TF_AIRFLOW_SERVICE: 'cdcctl-dev-airflow-stuck'})
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

  it('stores the outputs in the profile: config show reads connect.url and storage.root from them', async () => {
    const res = await run(['config', 'show', '--profile', 'aws', '--json'])
    expect(res.code, res.stderr).to.equal(0)
    const profile = json<{result: {connect: {url: string}; storage: {root: string}; kafka: {brokers: string[]}; glue: {jobNames: Record<string, string>; logGroupPrefix: string}; postgres: {secretName: string}}}>(res).result
    expect(profile.connect.url).to.equal(CONNECT_URL)
    expect(profile.storage.root).to.equal(`s3://${BUCKET}`)
    expect(profile.kafka.brokers).to.deep.equal(['10.40.1.10:9092', '10.40.2.10:9092'])
    expect(profile.glue.jobNames['bronze-to-silver']).to.equal('cdcctl-dev-bronze-to-silver')
    expect(profile.glue.logGroupPrefix).to.equal('/aws-glue/jobs/cdcctl-dev')
    expect(profile.postgres.secretName).to.equal('cdcctl-dev/db-credentials')
  })

  it('outputs shows the stored outputs, sensitive ones left out', async () => {
    const res = await run(['outputs', '--profile', 'aws', '--json'])
    expect(res.code, res.stderr).to.equal(0)
    const out = json<{result: {source: string; outputs: Record<string, unknown>}}>(res).result
    expect(out.source).to.equal('stored')
    expect(out.outputs.connect_url).to.equal(CONNECT_URL)
    expect(out.outputs).to.not.have.property('db_master_password')
    expect(steps()).to.deep.equal([])

    const refreshed = await run(['outputs', '--profile', 'aws', '--refresh', '--json'])
    expect(refreshed.code, refreshed.stderr).to.equal(0)
    expect(json<{result: {source: string}}>(refreshed).result.source).to.equal('terraform')
    expect(steps()).to.deep.equal(['init', 'output'])
  })

  for (const step of ['version', 'init', 'plan', 'show', 'apply', 'output']) {
    it(`a failed terraform ${step} is a one-line error naming the step, exit 1, and nothing runs after it`, async () => {
      const res = await run(['deploy', '--profile', 'aws', '--auto-approve'], {FAKE_TF_FAIL: step})
      expect(res.code, res.stderr).to.equal(1)
      expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
      expect(res.stderr).to.contain(`terraform ${step} failed: ${step} exploded on purpose`)
      expect(steps().at(-1)).to.equal(step)
      if (['version', 'init', 'plan', 'show'].includes(step)) expect(steps()).to.not.include('apply')
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

  it('plan shows the summary and changes nothing', async () => {
    const res = await run(['plan', '--profile', 'aws'])
    expect(res.code, res.stderr).to.equal(0)
    expect(res.stdout).to.contain('Plan: 2 to add, 1 to change, 1 to destroy (1 replaced).')
    expect(res.stdout).to.contain('module.ecs.aws_ecs_service.debezium')
    expect(steps()).to.deep.equal(['version', 'init', 'plan', 'show'])
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

  it('destroy --confirm dev runs terraform destroy and forgets the outputs', async () => {
    const res = await run(['destroy', '--profile', 'aws', '--confirm', 'dev', '--json'])
    expect(res.code, res.stderr).to.equal(0)
    expect(steps()).to.deep.equal(['version', 'init', 'destroy'])
    expect(calls()[2].argv).to.include('-var-file=envs/dev.tfvars')
    expect(existsSync(join(cwd, 'state', 'outputs', 'aws.json'))).to.equal(false)
  })

  it('no sensitive output value was ever printed or stored', () => {
    expect(runs.length).to.be.greaterThan(10)
    for (const r of runs) expect(r.stdout + r.stderr).to.not.contain(SECRET)
    const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]))
    for (const file of walk(join(cwd, 'state'))) expect(readFileSync(file, 'utf8'), file).to.not.contain(SECRET)
  })
})
