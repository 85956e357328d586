import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {silverTables} from '../../lib/catalog'
import {countStatuses, failingRules, type RuleResult, runDataQuality, type StatusCounts, validateRules} from '../../lib/dq'
import type {NotifyResult} from '../../lib/notify'
import {renderTable} from '../../lib/ui'

export interface DqCheckResult {
  runId: string
  /** Every fail-severity rule passed. */
  passed: boolean
  startedAt: string
  finishedAt: string
  counts: StatusCounts
  rules: RuleResult[]
  alert: NotifyResult | null
}

export default class DqCheck extends BaseCommand<typeof DqCheck, DqCheckResult> {
  static summary = 'Check silver and gold against the data-quality rules (SCD2 invariants, source reconciliation, gold totals…).'
  static description = 'Runs the data-quality job (spark-submit locally, Glue on aws) and prints one line per rule. Exits 1 when a rule of severity fail fails; warnings only warn. reconcile_source compares silver with Postgres and expects the pipeline to have caught up with a quiet source.'
  static examples = [
    '<%= config.bin %> dq check',
    `<%= config.bin %> dq check --table ${silverTables()[0]} --only scd2 --only reconcile_source`,
    '<%= config.bin %> dq check --rules my-rules.yaml --json',
    '<%= config.bin %> dq check --profile aws',
  ]

  static flags = {
    rules: Flags.string({description: 'Rules file (YAML, see dq/rules.schema.json). Default: the packaged dq/rules.yaml.'}),
    table: Flags.string({description: 'Only rules on this table (repeatable).', multiple: true, default: []}),
    only: Flags.string({description: 'Only rules of this type, e.g. scd2, reconcile_source (repeatable).', multiple: true, default: []}),
    timeout: Flags.integer({description: 'Seconds to wait for the job.', default: 3600, min: 1}),
  }

  async run(): Promise<DqCheckResult> {
    const selection = {rulesFile: this.flags.rules, tables: this.flags.table, only: this.flags.only}
    const rules = await validateRules(selection)
    const target = this.target()
    const progress = await this.progress(`data quality: ${rules.rules} rule(s) starting`)
    const {run, report, alert, alertError} = await runDataQuality(target, selection, this.flags.timeout, (r) => progress.update(`data quality: ${r.state} (${r.durationSec ?? 0}s)`))
    progress.stop()

    this.say(renderTable(report.rules.map((r) => ({
      rule: r.name,
      table: r.table,
      status: r.status === 'pass' ? 'pass' : r.status.toUpperCase(),
      result: `${cell(r.observed)} vs ${cell(r.expected)}`,
      keys: r.sample_keys.length > 0 ? r.sample_keys.map((k) => cell(k)).join(', ') : '-',
    })), ['rule', 'table', 'status', 'result', 'keys'], ['rule', 'table', 'status', 'observed vs expected', 'failing sample keys']))
    for (const r of report.rules.filter((x) => x.status === 'warn' || (x.status === 'error' && x.severity === 'warn'))) {
      this.warn(`${r.name} (${r.table}): ${r.message || r.status}`)
    }

    if (alertError) this.warn(`the failing check could not be told to operators: ${alertError}`)

    const counts = countStatuses(report.rules)
    const failing = failingRules(report.rules)
    if (report.passed) {
      this.say(`Data quality passed: ${counts.passed} pass, ${counts.warn} warn (run ${run.runId})`)
    } else {
      this.say(`Data quality FAILED: ${failing.map((r) => `${r.name}: ${r.message}`).join('; ')} (run ${run.runId})`)
      this.markFailed()
    }
    return {runId: report.run_id, passed: report.passed, startedAt: report.started_at, finishedAt: report.finished_at, counts, rules: report.rules, alert}
  }
}

function cell(value: unknown): string {
  const text = value === null || value === undefined ? '-' : typeof value === 'object' ? JSON.stringify(value) : String(value)
  return text.length > 60 ? text.slice(0, 57) + '...' : text
}
