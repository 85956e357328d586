import {expect} from 'chai'

import {oneLineParseError} from '../../src/base-command'
import {confirm, requireAnswerable} from '../../src/lib/confirm'
import {CdcError} from '../../src/lib/errors'
import {argumentsFor, parseJobArgs} from '../../src/lib/jobs/arguments'
import {poll} from '../../src/lib/poll'

const rejects = async (p: Promise<unknown>): Promise<CdcError> => {
  try {
    await p
  } catch (error) {
    return error as CdcError
  }
  throw new Error('expected a rejection')
}

describe('the CLI contract helpers', () => {
  it('keeps the reason of oclif\'s multi-line parse errors on one line', () => {
    expect(oneLineParseError('Parsing --limit \n\tExpected an integer greater than or equal to 1 but received: 0\nSee more help with --help')).to.equal('Parsing --limit: Expected an integer greater than or equal to 1 but received: 0')
    expect(oneLineParseError('The following error occurred:\n  Missing required flag status\nSee more help with --help')).to.equal('Missing required flag status')
    expect(oneLineParseError('Parsing --from-file \n\tNo file found at /x.jsonl\nSee more help with --help')).to.equal('Parsing --from-file: No file found at /x.jsonl')
  })

  it('checks --arg against the job\'s catalog arguments', () => {
    expect(parseJobArgs('lake-maintenance', ['retain-last=3', '--retain-days=0.5'])).to.deep.equal({'retain-last': '3', 'retain-days': '0.5'})
    for (const [pair, why] of [['retain-last', 'is not key=value'], ['nope=1', 'has no argument "nope"'], ['storage-root=/x', 'is set by the target'], ['retain-last=0', 'below the minimum 1'], ['retain-last=2.5', 'is not an integer'], ['retain-days=soon', 'is not a number']]) {
      let error: CdcError | undefined
      try {
        parseJobArgs('lake-maintenance', [pair])
      } catch (e) {
        error = e as CdcError
      }
      expect(error?.message, pair).to.contain(why)
      expect(error?.exit, pair).to.equal(2)
    }
  })

  it('builds a run\'s arguments: target defaults, then what the target provides, then the caller\'s', () => {
    const args = argumentsFor('kafka-to-bronze', 'local', {storage_root: 'file:///lake', kafka_brokers: 'k:9092', catalog: 'local', run_id: 'r1', db_host: 'ignored'}, {trigger: 'continuous'})
    expect(args).to.include({'storage-root': 'file:///lake', 'bootstrap-servers': 'k:9092', catalog: 'local', 'job-run-id': 'r1', trigger: 'continuous', 'starting-offsets': 'earliest'})
    expect(args).to.not.have.property('db-host')
    expect(argumentsFor('kafka-to-bronze', 'aws', {}, {}).trigger).to.equal('continuous')
  })

  it('poll observes until done, backing off, and times out with the last observation', async () => {
    let n = 0
    expect(await poll(async () => ++n, (v) => v >= 3, {timeoutMs: 5000, intervalMs: 1, onTimeout: () => new Error('no')})).to.equal(3)
    const started = Date.now()
    const error = await rejects(poll(async () => 'waiting', () => false, {timeoutMs: 60, intervalMs: 10, backoff: 2, onTimeout: (last) => new CdcError(`still ${last}`, {code: 'T'})}))
    expect(error.message).to.equal('still waiting')
    expect(Date.now() - started).to.be.lessThan(1000)
  })

  it('confirm: --confirm NAME or --yes answers; off a terminal nothing else does, and nothing is asked', async () => {
    await confirm({action: 'Delete x', name: 'x', confirmed: 'x', flag: '--confirm x'})
    await confirm({action: 'Replay 3 records', yes: true, flag: '--yes'})
    const wrong = await rejects(confirm({action: 'Delete x', name: 'x', confirmed: 'y', flag: '--confirm x'}))
    expect([wrong.message, wrong.exit]).to.deep.equal(['--confirm y does not match "x"', 2])
    // mocha's stdin is not a terminal
    const unanswered = await rejects(confirm({action: 'Delete x', name: 'x', yes: true, flag: '--confirm x'}))
    expect([unanswered.message, unanswered.exit, unanswered.actions]).to.deep.equal(['Delete x needs a confirmation and there is no terminal to ask on', 2, ['pass --confirm x']])
    expect(() => requireAnswerable({action: 'Apply', flag: '--auto-approve', noPrompt: true})).to.throw(/no terminal/)
  })
})
