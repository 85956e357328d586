import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
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

  it('a missing secret is a one-line error naming it', async () => {
    const res = await cdcctl(['connector', 'register', '--dry-run', '--profile', 'aws'], {cwd, env: moto.env})
    expect(res.code).to.equal(1)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('"db-credentials"')
  })

  it('connector register --dry-run builds the config from the secret, password redacted', async () => {
    const {SecretsManagerClient, CreateSecretCommand} = await import('@aws-sdk/client-secrets-manager')
    const sm = new SecretsManagerClient({region: 'ap-south-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
    await sm.send(new CreateSecretCommand({Name: 'db-credentials', SecretString: JSON.stringify({host: 'cdc-db.abc.ap-south-1.rds.amazonaws.com', port: 5432, username: 'cdc_admin', password})}))

    const res = await cdcctl(['connector', 'register', '--dry-run', '--profile', 'aws', '--json'], {cwd, env: moto.env})
    expect(res.code, res.stderr).to.equal(0)
    const config = json<{result: {action: string; config: Record<string, string>}}>(res).result
    expect(config.action).to.equal('dry-run')
    expect(config.config['database.hostname']).to.equal('cdc-db.abc.ap-south-1.rds.amazonaws.com')
    expect(config.config['database.user']).to.equal('cdc_admin')
    expect(config.config['database.password']).to.equal('********')
    expect(res.stdout + res.stderr).to.not.contain(password)

    const human = await cdcctl(['connector', 'register', '--dry-run', '--profile', 'aws'], {cwd, env: moto.env})
    expect(human.stdout).to.contain('cdc_admin')
    expect(human.stdout + human.stderr).to.not.contain(password)
  })
})
