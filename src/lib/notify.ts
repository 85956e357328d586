import {appendFileSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'

import type {Profile} from './config'
import {CdcError, firstLine} from './errors'

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
  /** SNS MessageId (sns). */
  messageId?: string
  /** The run log the notification was appended to (log). */
  logFile?: string
}

/** SNS subjects are at most 100 printable ASCII characters on one line; the log uses the same. */
export function subjectOf(n: Notification, profile: string): string {
  const text = n.subject ?? `cdcctl [${profile}] pipeline ${n.status}`
  return text.replaceAll(/[^\u0020-\u007E]/g, ' ').slice(0, 100)
}

/** The run log channel (local): one JSON line per notification in {stateDir}/notifications.log. */
export function appendToRunLog(profile: Profile, n: Notification): NotifyResult {
  const subject = subjectOf(n, profile.name)
  const logFile = join(profile.stateDir, 'notifications.log')
  mkdirSync(profile.stateDir, {recursive: true})
  appendFileSync(logFile, JSON.stringify({at: new Date().toISOString(), profile: profile.name, status: n.status, subject, message: n.message}) + '\n')
  return {status: n.status, channel: 'log', subject, logFile}
}

/** The SNS channel (aws): the alerts topic (CDCCTL_ALERTS_TOPIC_ARN, else the profile's alerts.topicArn). */
export async function publishToSns(profile: Profile, n: Notification, env: NodeJS.ProcessEnv = process.env): Promise<NotifyResult> {
  const subject = subjectOf(n, profile.name)
  const topicArn = env.CDCCTL_ALERTS_TOPIC_ARN || profile.alerts.topicArn
  if (!topicArn) {
    throw new CdcError(`No alerts topic for profile "${profile.name}"`, {
      code: 'NO_ALERTS_TOPIC',
      exit: 2,
      actions: ['cdcctl deploy (stores the alerts topic)', 'set CDCCTL_ALERTS_TOPIC_ARN', `set profiles.${profile.name}.alerts.topicArn in cdcctl.config.json`],
    })
  }
  const {SNSClient, PublishCommand} = await import('@aws-sdk/client-sns')
  const client = new SNSClient({region: profile.region})
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
      actions: ['check the topic exists in ' + profile.region, 'check AWS_PROFILE / AWS_REGION and sns:Publish permission'],
      cause: error,
    })
  } finally {
    client.destroy()
  }
}
