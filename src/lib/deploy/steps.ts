import type {PlanSummary} from '../terraform'
import {type Progress, renderTable} from '../ui'

export type StepStatus = 'failed' | 'ok' | 'skipped'

export interface StepRecord {
  step: string
  status: StepStatus
  durationMs: number
  detail?: string
}

/** Runs the steps of deploy/plan/destroy one after another with a spinner each, and records how each went. */
export class Steps {
  readonly records: StepRecord[] = []

  constructor(private readonly progress: (text: string) => Promise<Progress>) {}

  /** fn gets the step's spinner, to show how a long step is going. */
  async run<T>(step: string, text: string, fn: (progress: Progress) => Promise<T>, detail?: (result: T) => string | undefined): Promise<T> {
    const started = Date.now()
    const spinner = await this.progress(text)
    try {
      const result = await fn(spinner)
      const d = detail?.(result)
      this.records.push({step, status: 'ok', durationMs: Date.now() - started, ...(d ? {detail: d} : {})})
      spinner.stop(`${step}${d ? `: ${d}` : ''}`)
      return result
    } catch (error) {
      this.records.push({step, status: 'failed', durationMs: Date.now() - started})
      spinner.stop()
      throw error
    }
  }

  skip(step: string, detail: string): void {
    this.records.push({step, status: 'skipped', durationMs: 0, detail})
  }
}

export const planLine = (s: PlanSummary): string =>
  `Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy${s.replace > 0 ? ` (${s.replace} replaced)` : ''}.`

export function renderPlan(s: PlanSummary): string {
  if (s.resources.length === 0) return 'No changes: the infrastructure matches the configuration.'
  return `${renderTable(s.resources as unknown as Record<string, unknown>[], ['action', 'address'])}\n${planLine(s)}`
}
