import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {publicOutputs, toProfileInput} from '../../src/lib/deploy/outputs'
import {renderPlan} from '../../src/lib/deploy/steps'
import {collectArtifacts, MANIFEST_KEY, uploadArtifacts} from '../../src/lib/deploy/upload'
import {redactText} from '../../src/lib/redact'
import {openStore} from '../../src/lib/storage'
import {summarizePlan} from '../../src/lib/terraform'

// The parts of deploy that need no Terraform; the whole deploy runs against the emulator-applied
// stack in test/terraform/emulator.

describe('deploy: uploading only what changed', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cdcctl-upload-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('a second upload of the same artifacts uploads nothing; a changed or missing object is uploaded again', async () => {
    const store = openStore(dir, 'ap-south-1')
    const artifacts = collectArtifacts()
    const first = await uploadArtifacts(store, artifacts)
    expect(first.uploaded).to.include('scripts/cdc_lake.zip')
    expect(first.uploaded).to.have.length(artifacts.length)
    expect(Object.keys(JSON.parse(readFileSync(join(dir, MANIFEST_KEY), 'utf8')) as object)).to.have.length(artifacts.length)

    const second = await uploadArtifacts(store, collectArtifacts())
    expect(second).to.deep.equal({uploaded: [], unchanged: artifacts.map((a) => a.key)})

    const [changed, ...rest] = artifacts
    await store.delete(rest[0].key)
    const third = await uploadArtifacts(store, [{key: changed.key, body: Buffer.concat([changed.body, Buffer.from('\n# changed\n')])}, ...rest])
    expect(third.uploaded).to.deep.equal([changed.key, rest[0].key])
  })

  it('builds cdc_lake.zip byte for byte the same each time', () => {
    const zip = () => collectArtifacts().find((a) => a.key === 'scripts/cdc_lake.zip')?.body
    expect(zip()).to.not.equal(undefined)
    expect(zip()?.equals(zip() as Buffer)).to.equal(true)
  })
})

describe('deploy: outputs', () => {
  it('drops sensitive outputs before anything can store or print them, and masks their values', () => {
    const outputs = publicOutputs({
      connect_url: {sensitive: false, value: 'http://connect.cdcctl.internal:8083'},
      db_master_password: {sensitive: true, value: 'TopSecret-Value-9f2c1'},
    })
    expect(outputs).to.deep.equal({connect_url: 'http://connect.cdcctl.internal:8083'})
    expect(redactText('password TopSecret-Value-9f2c1')).to.not.contain('TopSecret-Value-9f2c1')
  })

  it('reads comma-separated and list bootstrap servers alike', () => {
    expect(toProfileInput({kafka_bootstrap_servers: '10.40.1.10:9092, 10.40.2.10:9092'}).kafka).to.deep.equal({brokers: ['10.40.1.10:9092', '10.40.2.10:9092']})
    expect(toProfileInput({kafka_bootstrap_servers: ['10.40.1.10:9092']}).kafka).to.deep.equal({brokers: ['10.40.1.10:9092']})
  })
})

describe('deploy: the plan as shown', () => {
  it('a table of changed resources and Terraform\'s summary line, replacements named', () => {
    const text = renderPlan(summarizePlan({resource_changes: [
      {address: 'module.s3.aws_s3_bucket.lake', change: {actions: ['create']}},
      {address: 'module.ecs.aws_ecs_service.debezium', change: {actions: ['delete', 'create']}},
    ]}))
    expect(text).to.contain('module.ecs.aws_ecs_service.debezium')
    expect(text).to.contain('Plan: 2 to add, 0 to change, 1 to destroy (1 replaced).')
    expect(renderPlan(summarizePlan({}))).to.equal('No changes: the infrastructure matches the configuration.')
  })
})
