import {appendFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {CdcError, firstLine} from './errors'
import type {Target} from './targets'

export const NOTIFY_STATUSES = ['success', 'failure'] as const
export type NotifyStatus = (typeof NOTIFY_STATUSES)[number]

export interface Notification {
  status: NotifyStatus
  message: string
  subject?: string
}

export interface NotifyResult {
  status: NotifyStatus
  channel: 'log' | 'sns'
  subject: string
  /** SNS MessageId (aws). */
  messageId?: string
  /** The run log the notification was appended to (local). */
  logFile?: string
}

/** SNS subjects are at most 100 printable ASCII characters on one line. */
function subjectOf(n: Notification, profile: string): string {
  const text = n.subject ?? `cdcctl [${profile}] pipeline ${n.status}`
  return text.replaceAll(/[^\u0020-\u007E]/g, ' ').slice(0, 100)
}

export function alertsTopicArn(target: Target, env: NodeJS.ProcessEnv = process.env): string {
  return env.CDCCTL_ALERTS_TOPIC_ARN || target.profile.alerts.topicArn
}

/** Tell operators how a pipeline run ended: SNS (email) on aws, the run log locally (ARCHITECTURE.md §1). */
export async function notify(target: Target, n: Notification): Promise<NotifyResult> {
  const subject = subjectOf(n, target.profile.name)
  if (target.name === 'aws') return publishSns(target, n, subject)
  const logFile = join(target.profile.stateDir, 'notifications.log')
  mkdirSync(target.profile.stateDir, {recursive: true})
  const record = {at: new Date().toISOString(), profile: target.profile.name, status: n.status, subject, message: n.message}
  appendFileSync(logFile, JSON.stringify(record) + '\n')
  return {status: n.status, channel: 'log', subject, logFile}
}

async function publishSns(target: Target, n: Notification, subject: string): Promise<NotifyResult> {
  const topicArn = alertsTopicArn(target)
  if (!topicArn) {
    throw new CdcError(`No alerts topic for profile "${target.profile.name}"`, {
      code: 'CONFIG',
      exit: 2,
      actions: ['set CDCCTL_ALERTS_TOPIC_ARN', `set profiles.${target.profile.name}.alerts.topicArn in cdcctl.config.json`],
    })
  }
  const {SNSClient, PublishCommand} = await import('@aws-sdk/client-sns')
  const client = new SNSClient({region: target.profile.region})
  try {
    const out = await client.send(new PublishCommand({
      TopicArn: topicArn,
      Subject: subject,
      Message: n.message,
      MessageAttributes: {status: {DataType: 'String', StringValue: n.status}},
    }))
    return {status: n.status, channel: 'sns', subject, messageId: out.MessageId}
  } catch (error) {
    throw new CdcError(`Cannot publish to SNS topic ${topicArn}: ${firstLine((error as Error).message)}`, {
      code: 'NOTIFY_FAILED',
      actions: ['check the topic exists in ' + target.profile.region, 'check AWS_PROFILE / AWS_REGION and sns:Publish permission'],
      cause: error,
    })
  } finally {
    client.destroy()
  }
}
