import {expect} from 'chai'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {cdcctl, isOneLineError, json} from '../helpers/cli'
import {type Moto, startMoto} from '../helpers/moto'

describe('aws profile: db-credentials from Secrets Manager (moto server)', function () {
  this.timeout(120_000)
  let moto: Moto
  let cwd: string
  const password = 'rds-Pa55word-from-secret'

  before(async () => {
    moto = await startMoto()
    cwd = mkdtempSync(join(tmpdir(), 'cdcctl-aws-'))
    writeFileSync(join(cwd, 'cdcctl.config.json'), JSON.stringify({profiles: {aws: {target: 'aws', connect: {url: 'http://connect.cdc.internal:8083'}}}}))
  })

  after(async () => moto?.stop())

  it('connector register --dry-run shows config-provider references and reads no secret', async () => {
    // No secret exists yet: a dry run that tried to read it would fail.
    const res = await cdcctl(['connector', 'register', '--dry-run', '--profile', 'aws', '--json'], {cwd, env: moto.env})
    expect(res.code, res.stderr).to.equal(0)
    const {config} = json<{result: {action: string; config: Record<string, string>}}>(res).result
    expect(config['database.password']).to.equal('${env:CDC_DB_PASSWORD}')
    expect(config['database.hostname']).to.equal('${env:CDC_DB_HOST}')
    expect(config['database.user']).to.equal('${env:CDC_DB_USER}')
  })

  it('a missing secret is a one-line error naming it, where the secret is needed (register checks the database)', async () => {
    const res = await cdcctl(['connector', 'register', '--profile', 'aws'], {cwd, env: moto.env})
    expect(res.code).to.equal(1)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('"db-credentials"')
  })

  it('health reads the database from the secret and never prints its password', async () => {
    const {SecretsManagerClient, CreateSecretCommand} = await import('@aws-sdk/client-secrets-manager')
    const sm = new SecretsManagerClient({region: 'ap-south-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
    // a host that answers nothing, so the check fails fast and names it
    await sm.send(new CreateSecretCommand({Name: 'db-credentials', SecretString: JSON.stringify({host: '127.0.0.1', port: 1, username: 'cdc_admin', password})}))

    const res = await cdcctl(['health', '--profile', 'aws', '--json'], {cwd, env: {...moto.env, CDCCTL_KAFKA_BROKERS: '127.0.0.1:2'}})
    const report = json<{status: number; result: {healthy: boolean; checks: {component: string; detail: string}[]}}>(res)
    expect(report.status).to.equal(1)
    expect(report.result.checks.find((c) => c.component === 'postgres')?.detail).to.contain('127.0.0.1:1')
    expect(res.stdout + res.stderr).to.not.contain(password)
  })

  it('without the RDS CA bundle, and with AWS\'s trust store out of reach, the error names the file and the URL', async () => {
    const missing = join(cwd, 'no-such-dir', 'rds-ca.pem')
    // this machine reaches no AWS endpoint, so the fetch fails as it would behind a proxy that blocks it
    const res = await cdcctl(['health', '--profile', 'aws', '--json'], {cwd, env: {...moto.env, CDCCTL_DB_CA_FILE: missing, CDCCTL_KAFKA_BROKERS: '127.0.0.1:2'}})
    const postgres = json<{result: {checks: {component: string; detail: string}[]}}>(res).result.checks.find((c) => c.component === 'postgres')
    expect(postgres?.detail).to.contain(missing).and.to.contain('truststore.pki.rds.amazonaws.com')
    expect(existsSync(missing)).to.equal(false)
  })
})
