import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {cdcctl, isOneLineError, json} from '../helpers/cli'
import {type Moto, startMoto} from '../helpers/moto'

type NotifyJson = {status: number; result: {status: string; channel: string; subject: string; messageId?: string; logFile?: string}}
type MotoTopic = {arn: string; sent_notifications: [string, string, string, Record<string, {Value?: string}>, unknown][]}

describe('notify', function () {
  this.timeout(120_000)

  describe('on the local target', () => {
    let cwd: string
    before(() => {
      cwd = mkdtempSync(join(tmpdir(), 'cdcctl-notify-'))
    })
    after(() => rmSync(cwd, {recursive: true, force: true}))

    it('prints the message and appends one JSON line per notification to the run log', async () => {
      const env = {CDCCTL_STATE_DIR: join(cwd, 'state'), CDCCTL_PROFILE: 'local'}
      const human = await cdcctl(['notify', '--status', 'failure', '--message', 'bronze_to_silver failed'], {cwd, env})
      expect(human.code, human.stderr).to.equal(0)
      expect(human.stdout).to.contain('bronze_to_silver failed')
      const res = await cdcctl(['notify', '--status', 'success', '--message', 'run ok', '--subject', 'hourly run', '--json'], {cwd, env})
      const out = json<NotifyJson>(res)
      expect(out.result).to.include({status: 'success', channel: 'log', subject: 'hourly run'})
      const logFile = join(cwd, 'state', 'notifications.log')
      expect(out.result.logFile).to.equal(logFile)
      const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>)
      expect(lines.map((l) => [l.status, l.message])).to.deep.equal([['failure', 'bronze_to_silver failed'], ['success', 'run ok']])
      expect(lines[0].subject).to.equal('cdcctl [local] pipeline failure')
    })

    it('an unknown --status is a usage error', async () => {
      const res = await cdcctl(['notify', '--status', 'maybe', '--message', 'x'], {cwd})
      expect(res.code).to.equal(2)
      expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    })
  })

  describe('on the aws target (SNS of a moto server)', () => {
    let moto: Moto
    let cwd: string
    let topicArn: string

    before(async () => {
      moto = await startMoto()
      cwd = mkdtempSync(join(tmpdir(), 'cdcctl-notify-aws-'))
      writeFileSync(join(cwd, 'cdcctl.config.json'), JSON.stringify({profiles: {aws: {target: 'aws'}}}))
      const {SNSClient, CreateTopicCommand} = await import('@aws-sdk/client-sns')
      const sns = new SNSClient({region: 'ap-south-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
      topicArn = (await sns.send(new CreateTopicCommand({Name: 'cdc-alerts'}))).TopicArn as string
    })

    after(async () => {
      await moto?.stop()
      if (cwd) rmSync(cwd, {recursive: true, force: true})
    })

    const published = async (): Promise<MotoTopic['sent_notifications']> => {
      const data = (await (await fetch(`${moto.url}/moto-api/data.json`)).json()) as {sns: {Topic: MotoTopic[]}}
      return data.sns.Topic.find((t) => t.arn === topicArn)?.sent_notifications ?? []
    }

    it('publishes the message to the alerts topic with its status', async () => {
      const res = await cdcctl(['notify', '--status', 'failure', '--message', 'silver_to_gold failed', '--profile', 'aws', '--json'], {
        cwd,
        env: {...moto.env, CDCCTL_ALERTS_TOPIC_ARN: topicArn},
      })
      const out = json<NotifyJson>(res)
      expect(res.code, res.stderr).to.equal(0)
      expect(out.result).to.include({status: 'failure', channel: 'sns', subject: 'cdcctl [aws] pipeline failure'})
      const sent = await published()
      const mine = sent.find(([id]) => id === out.result.messageId)
      expect(mine, JSON.stringify(sent)).to.not.equal(undefined)
      const [, message, subject, attributes] = mine as MotoTopic['sent_notifications'][number]
      expect([message, subject, attributes.status?.Value]).to.deep.equal(['silver_to_gold failed', 'cdcctl [aws] pipeline failure', 'failure'])
    })

    it('without a topic ARN it is a configuration error naming the fix', async () => {
      const res = await cdcctl(['notify', '--status', 'success', '--message', 'x', '--profile', 'aws'], {cwd, env: {...moto.env, CDCCTL_ALERTS_TOPIC_ARN: ''}})
      expect(res.code).to.equal(2)
      expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
      expect(res.stderr).to.contain('CDCCTL_ALERTS_TOPIC_ARN')
    })

    it('a topic that does not exist fails with exit 1 and one line', async () => {
      const res = await cdcctl(['notify', '--status', 'success', '--message', 'x', '--profile', 'aws'], {
        cwd,
        env: {...moto.env, CDCCTL_ALERTS_TOPIC_ARN: 'arn:aws:sns:ap-south-1:123456789012:nope'},
      })
      expect(res.code).to.equal(1)
      expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
      expect(res.stderr).to.contain('Cannot publish to SNS topic')
    })
  })
})
