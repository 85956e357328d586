import {expect} from 'chai'

import {catalog, sourceTables, topicFor} from '../../src/lib/catalog'
import {loadProfile} from '../../src/lib/config'
import {buildConnectorConfig, SLOT_NAME} from '../../src/lib/connect/debezium'
import {AwsTarget} from '../../src/lib/targets/aws'

describe('Debezium connector config', () => {
  const profile = loadProfile({cwd: '/tmp', env: {}})
  const database = {'database.hostname': 'db', 'database.password': '${file:/x/connect.properties:password}'}
  const config = buildConnectorConfig(profile, database)

  it('takes the database settings it is given, a config-provider reference for the password', () => {
    expect(config['database.hostname']).to.equal('db')
    expect(config['database.password']).to.equal('${file:/x/connect.properties:password}')
  })

  it('on aws refers to the Connect task environment for every database setting, reading no secret, and verifies RDS', async () => {
    const {'database.sslmode': sslmode, 'database.sslrootcert': root, ...settings} = await new AwsTarget({...profile, name: 'aws', target: 'aws'}).connectorDatabase()
    expect(settings['database.password']).to.equal('${env:CDC_DB_PASSWORD}')
    expect(Object.values(settings).every((v) => /^\$\{env:[A-Z_]+\}$/.test(v))).to.equal(true)
    // the CA bundle the ECS task fetches at start (terraform/modules/ecs: ca_bundle_path)
    expect([sslmode, root]).to.deep.equal(['verify-full', catalog().tls.connect_root_cert])
  })

  it('uses pgoutput, a dbz_ slot and the dbz_publication publication', () => {
    expect(config['plugin.name']).to.equal('pgoutput')
    expect(config['slot.name']).to.match(SLOT_NAME)
    expect(config['publication.name']).to.equal('dbz_publication')
  })

  it('routes cdc.public.<table> to cdc.db.<table>', () => {
    const regex = new RegExp(`^${config['transforms.route.regex']}$`)
    for (const table of sourceTables()) {
      expect(`cdc.public.${table}`.replace(regex, config['transforms.route.replacement'].replace('$1', '$1'))).to.equal(topicFor(`public.${table}`))
    }
    expect(topicFor('public.users')).to.equal('cdc.db.users')
  })

  it('emits JSON without schemas and exact decimals', () => {
    expect(config['key.converter.schemas.enable']).to.equal('false')
    expect(config['value.converter.schemas.enable']).to.equal('false')
    expect(config['decimal.handling.mode']).to.equal('string')
  })

  it('sets a heartbeat so an idle database does not pin WAL', () => {
    expect(Number(config['heartbeat.interval.ms'])).to.be.greaterThan(0)
    expect(config['heartbeat.action.query']).to.contain('debezium_heartbeat')
  })

  it('captures the catalog\'s tables and the signal table', () => {
    expect(config['table.include.list'].split(',')).to.deep.equal([...sourceTables().map((t) => `public.${t}`), 'public.debezium_signal'])
    expect(config['signal.data.collection']).to.equal('public.debezium_signal')
  })

  it('rejects slot names Postgres or the pipeline would not accept', () => {
    for (const bad of ['Bad-Slot', 'dbz-x', 'slot_1', `dbz_${'a'.repeat(60)}`]) expect(bad).to.not.match(SLOT_NAME)
  })

  it('batches for throughput with a queue bounded in records and in bytes', () => {
    expect(Number(config['max.queue.size'])).to.be.greaterThan(Number(config['max.batch.size']))
    expect(Number(config['max.queue.size.in.bytes'])).to.be.greaterThan(0)
    expect(config['producer.override.compression.type']).to.equal('lz4')
  })
})
