import {expect} from 'chai'

import {lastErrorLine, summarizePlan, versionAtLeast} from '../../src/lib/terraform'

const change = (address: string, ...actions: string[]) => ({address, change: {actions}})

describe('terraform plan summary', () => {
  it('counts creates, updates, deletes and replacements as Terraform does', () => {
    const summary = summarizePlan({
      resource_changes: [
        change('module.s3.aws_s3_bucket.lake', 'create'),
        change('module.glue.aws_glue_job.this["bronze-to-silver"]', 'update'),
        change('module.ecs.aws_ecs_service.debezium', 'delete', 'create'),
        change('module.kafka.aws_instance.broker', 'create', 'delete'),
        change('module.vpc.aws_eip.nat', 'delete'),
      ],
    })
    expect({add: summary.add, change: summary.change, destroy: summary.destroy, replace: summary.replace}).to.deep.equal({add: 3, change: 1, destroy: 3, replace: 2})
  })

  it('lists changed resources by address with one action each, leaving out no-ops and reads', () => {
    const summary = summarizePlan({
      resource_changes: [
        change('b.two', 'no-op'),
        change('data.aws_caller_identity.current', 'read'),
        change('c.three', 'update'),
        change('a.one', 'delete', 'create'),
      ],
    })
    expect(summary.resources).to.deep.equal([
      {address: 'a.one', action: 'replace'},
      {address: 'c.three', action: 'update'},
    ])
  })

  it('an empty plan is all zeros', () => {
    expect(summarizePlan({})).to.deep.equal({add: 0, change: 0, destroy: 0, replace: 0, resources: []})
    expect(summarizePlan({resource_changes: [change('x.y', 'no-op')]}).resources).to.deep.equal([])
  })
})

describe('terraform version check', () => {
  it('compares versions part by part, numerically', () => {
    expect(versionAtLeast('1.6.0', '1.6.0')).to.equal(true)
    expect(versionAtLeast('1.10.2', '1.6.0')).to.equal(true)
    expect(versionAtLeast('1.5.7', '1.6.0')).to.equal(false)
    expect(versionAtLeast('v2.0.0-beta1', '1.6.0')).to.equal(true)
  })
})

describe('terraform error line', () => {
  it('takes the last Error: line of Terraform output, without its box drawing', () => {
    const out = 'Initializing...\n╷\n│ Error: Invalid provider configuration\n│ \n│ details here\n╵\n'
    expect(lastErrorLine(out)).to.equal('Invalid provider configuration')
    expect(lastErrorLine('Error: first\nError: Failed to get existing workspaces: AccessDenied\n')).to.equal('Failed to get existing workspaces: AccessDenied')
  })

  it('falls back to the last line when there is no Error: line', () => {
    expect(lastErrorLine('one\ntwo\n\n')).to.equal('two')
  })
})
