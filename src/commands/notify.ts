import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {NOTIFY_STATUSES, type NotifyResult, type NotifyStatus} from '../lib/notify'

export type NotifyCommandResult = NotifyResult

export default class Notify extends BaseCommand<typeof Notify, NotifyCommandResult> {
  static summary = 'Tell operators how a pipeline run ended: SNS on aws, the run log locally.'
  static description = 'On aws publishes to the alerts topic (CDCCTL_ALERTS_TOPIC_ARN or alerts.topicArn); locally prints the message and appends it as a JSON line to <stateDir>/notifications.log.'
  static examples = [
    '<%= config.bin %> notify --status success --message "hourly run finished"',
    '<%= config.bin %> notify --status failure --message "bronze_to_silver failed" --subject "CDC pipeline failed" --profile aws --json',
  ]

  static flags = {
    status: Flags.string({description: 'How the run ended.', options: [...NOTIFY_STATUSES], required: true}),
    message: Flags.string({description: 'Message body.', required: true}),
    subject: Flags.string({description: 'Subject line (default: cdcctl [<profile>] pipeline <status>).'}),
  }

  async run(): Promise<NotifyCommandResult> {
    const result = await this.target().notify({status: this.flags.status as NotifyStatus, message: this.flags.message, subject: this.flags.subject})
    this.say(`${result.subject}: ${this.flags.message}`)
    this.say(result.channel === 'sns' ? `Published to SNS (message ${result.messageId}).` : `Written to ${result.logFile}.`)
    return result
  }
}
