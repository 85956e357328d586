import {inspect} from 'node:util'

import {expect} from 'chai'

import {MASK, redact, redactText, registerSecret, Secret} from '../../src/lib/redact'

describe('redaction', () => {
  it('prints a Secret as the mask wherever it goes: JSON, templates, inspect, redact()', () => {
    const s = new Secret('hunter22-secret')
    expect(JSON.stringify({db: {password: s}})).to.equal(`{"db":{"password":"${MASK}"}}`)
    expect(`${s}`).to.equal(MASK)
    expect(inspect({s})).to.not.contain('hunter22')
    expect(redact({nested: [{value: s}]})).to.deep.equal({nested: [{value: MASK}]})
    expect(s.reveal()).to.equal('hunter22-secret')
  })

  it('masks a Secret\'s value where it leaks into free text too (an error message, say)', () => {
    const s = new Secret('leaky-value-42')
    expect(redactText(`FATAL: password ${s.reveal()} rejected`)).to.equal(`FATAL: password ${MASK} rejected`)
  })

  it('never masks by key name: passed, pass, compass, token counts are printed as they are', () => {
    const result = {passed: true, pass: 3, compass: 'north', tokens: 12, secretName: 'db-credentials', 'database.password': '${env:CDC_DB_PASSWORD}'}
    expect(redact(result)).to.deep.equal(result)
  })

  it('masks a registered secret wherever it appears in free text', () => {
    registerSecret('s3cr3t-value')
    expect(redactText('FATAL: password s3cr3t-value rejected')).to.equal(`FATAL: password ${MASK} rejected`)
    expect(redact({message: 'x s3cr3t-value y'}).message).to.equal(`x ${MASK} y`)
  })

  it('masks credentials inside URLs', () => {
    expect(redactText('postgresql://cdc:pw123@db:5432/x')).to.equal(`postgresql://cdc:${MASK}@db:5432/x`)
  })
})
