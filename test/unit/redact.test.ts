import {expect} from 'chai'

import {MASK, redact, redactText, registerSecret} from '../../src/lib/redact'

describe('redaction', () => {
  it('masks values under secret-named keys at any depth', () => {
    const out = redact({config: {'database.password': 'hunter22', 'database.user': 'cdc'}, list: [{apiKey: 'k-123'}]})
    expect(out.config['database.password']).to.equal(MASK)
    expect(out.config['database.user']).to.equal('cdc')
    expect(out.list[0].apiKey).to.equal(MASK)
  })

  it('keeps the names of secrets, which are not secret', () => {
    expect(redact({secretName: 'db-credentials', secretArn: 'arn:aws:x'})).to.deep.equal({secretName: 'db-credentials', secretArn: 'arn:aws:x'})
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
