import {expect} from 'chai'

import {loadProfile} from '../../src/lib/config'
import {buildConnectorConfig, SLOT_NAME, topicFor} from '../../src/lib/connect/debezium'

describe('Debezium connector config', () => {
  const profile = loadProfile({cwd: '/tmp', env: {}})
  const config = buildConnectorConfig(profile, {host: 'db', port: 5432, database: 'cdc_demo', username: 'cdc', password: 'pw'})

  it('uses pgoutput, a dbz_ slot and the dbz_publication publication', () => {
    expect(config['plugin.name']).to.equal('pgoutput')
    expect(config['slot.name']).to.match(SLOT_NAME)
    expect(config['publication.name']).to.equal('dbz_publication')
  })

  it('routes cdc.public.<table> to cdc.db.<table>', () => {
    const regex = new RegExp(`^${config['transforms.route.regex']}$`)
    for (const table of ['users', 'products', 'orders']) {
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

  it('captures the three tables and the signal table', () => {
    expect(config['table.include.list'].split(',')).to.deep.equal(['public.users', 'public.products', 'public.orders', 'public.debezium_signal'])
    expect(config['signal.data.collection']).to.equal('cdc_demo.public.debezium_signal')
  })

  it('rejects slot names Postgres or the pipeline would not accept', () => {
    for (const bad of ['Bad-Slot', 'dbz-x', 'slot_1', `dbz_${'a'.repeat(60)}`]) expect(bad).to.not.match(SLOT_NAME)
  })
})
