import {expect} from 'chai'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {loadProfile, profileView} from '../../src/lib/config'
import {MASK} from '../../src/lib/redact'
import {LocalTarget} from '../../src/lib/targets/local'
import {CdcError} from '../../src/lib/errors'

const dirWith = (config?: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), 'cdcctl-config-'))
  if (config !== undefined) writeFileSync(join(dir, 'cdcctl.config.json'), typeof config === 'string' ? config : JSON.stringify(config))
  return dir
}

const failure = (fn: () => unknown): CdcError => {
  try {
    fn()
  } catch (error) {
    return error as CdcError
  }
  throw new Error('expected an error')
}

describe('configuration', () => {
  it('needs no file: the local profile is the default', () => {
    const dir = dirWith()
    const p = loadProfile({cwd: dir, env: {}})
    expect(p.name).to.equal('local')
    expect(p.target).to.equal('local')
    expect(p.region).to.equal('ap-south-1')
    expect(p.connect.url).to.equal('http://127.0.0.1:8083')
    expect(new LocalTarget(p).profile.storage.root).to.equal(`file://${join(dir, '.cdcctl', 'lake')}`)
  })

  it('rejects a port that is not a number, naming the variable (exit 2)', () => {
    for (const bad of ['abc', '0', '70000', '5432x']) {
      const e = failure(() => loadProfile({cwd: dirWith(), env: {CDCCTL_DB_PORT: bad}}))
      expect([e.message, e.exit]).to.deep.equal([`CDCCTL_DB_PORT=${bad} is not a port number (1-65535)`, 2])
    }
    expect(loadProfile({cwd: dirWith(), env: {CDCCTL_DB_PORT: '6543'}}).postgres.port).to.equal(6543)
  })

  it('reads the warm driver switch from the file or CDCCTL_WARM_DRIVER, off by default', () => {
    expect(loadProfile({cwd: dirWith(), env: {}}).spark.warmDriver).to.equal(false)
    const on = dirWith({profiles: {local: {spark: {warmDriver: true}}}})
    expect(loadProfile({cwd: on, env: {}}).spark.warmDriver).to.equal(true)
    expect(loadProfile({cwd: on, env: {CDCCTL_WARM_DRIVER: 'off'}}).spark.warmDriver).to.equal(false)
    expect(loadProfile({cwd: dirWith(), env: {CDCCTL_WARM_DRIVER: '1'}}).spark.warmDriver).to.equal(true)
    const err = failure(() => loadProfile({cwd: dirWith(), env: {CDCCTL_WARM_DRIVER: 'maybe'}}))
    expect(err.exit).to.equal(2)
    expect(err.message).to.contain('CDCCTL_WARM_DRIVER=maybe is not on or off')
  })

  it('holds a password from the environment as a Secret: config show masks it', () => {
    const p = loadProfile({cwd: dirWith(), env: {CDCCTL_DB_PASSWORD: 'from-env-pw'}})
    expect(p.postgres.password?.reveal()).to.equal('from-env-pw')
    expect(JSON.stringify(profileView(p))).to.not.contain('from-env-pw')
    expect(profileView(p).postgres.password).to.equal(MASK)
  })

  it('merges a profile from the file over the defaults', () => {
    const dir = dirWith({profiles: {aws: {target: 'aws', connect: {url: 'http://connect.cdc.internal:8083'}, storage: {root: 's3://lake'}}}})
    const p = loadProfile({cwd: dir, profile: 'aws', env: {}})
    expect(p.target).to.equal('aws')
    expect(p.connect.url).to.equal('http://connect.cdc.internal:8083')
    expect(p.connect.slot).to.equal('dbz_cdc_demo')
    expect(p.storage.root).to.equal('s3://lake')
  })

  it('moves local endpoints with their ports', () => {
    const p = loadProfile({cwd: dirWith({profiles: {local: {ports: {kafka: 19092, connect: 18083, postgres: 15432}}}}), env: {}})
    expect(p.kafka.brokers).to.deep.equal(['127.0.0.1:19092'])
    expect(p.connect.url).to.equal('http://127.0.0.1:18083')
    expect(p.postgres.port).to.equal(15432)
  })

  it('lets environment variables override the file', () => {
    const dir = dirWith({profiles: {local: {connect: {url: 'http://a:1'}}}})
    const p = loadProfile({cwd: dir, env: {CDCCTL_CONNECT_URL: 'http://b:2', AWS_REGION: 'eu-west-1', CDCCTL_KAFKA_BROKERS: 'k1:9092,k2:9092'}})
    expect(p.connect.url).to.equal('http://b:2')
    expect(p.region).to.equal('eu-west-1')
    expect(p.kafka.brokers).to.deep.equal(['k1:9092', 'k2:9092'])
    expect(p.sources).to.include('environment')
  })

  it('names an unknown key as a usage error', () => {
    const err = failure(() => loadProfile({cwd: dirWith({profiles: {local: {conect: {}}}}), env: {}}))
    expect(err.exit).to.equal(2)
    expect(err.message).to.contain('profiles.local.conect')
  })

  it('names a value of the wrong type', () => {
    const err = failure(() => loadProfile({cwd: dirWith({profiles: {local: {ports: {kafka: 'nine'}}}}), env: {}}))
    expect(err.exit).to.equal(2)
    expect(err.message).to.contain('ports.kafka')
  })

  it('lists the known profiles when asked for an unknown one', () => {
    const err = failure(() => loadProfile({cwd: dirWith({profiles: {aws: {target: 'aws'}}}), profile: 'prod', env: {}}))
    expect(err.exit).to.equal(2)
    expect(err.actions.join(' ')).to.contain('local, aws')
  })

  it('reports broken JSON as a one-line usage error', () => {
    const err = failure(() => loadProfile({cwd: dirWith('{"profiles": '), env: {}}))
    expect(err.exit).to.equal(2)
    expect(err.message).to.match(/not valid JSON/)
    expect(err.message).to.not.contain('\n')
  })
})
