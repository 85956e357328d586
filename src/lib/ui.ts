import Table from 'cli-table3'

import {redact} from './redact'

/** A table of rows (each an object); the same data `--json` returns, for humans. */
export function renderTable(rows: Record<string, unknown>[], columns: string[], headers?: string[]): string {
  const table = new Table({head: headers ?? columns, style: {head: [], border: []}})
  for (const row of redact(rows)) table.push(columns.map((c) => formatCell(row[c])))
  return table.toString()
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '-'
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let n = bytes
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`
}

/** A spinner on a TTY; silent under --json or when output is piped. ora loads only when shown. */
export interface Progress {
  /** Whether anyone sees it (a TTY, no --json): work done only to show progress can be skipped when not. */
  readonly live: boolean
  update(text: string): void
  stop(finalText?: string): void
}

export async function startProgress(text: string, enabled: boolean): Promise<Progress> {
  if (!enabled || !process.stderr.isTTY) return {live: false, update: () => undefined, stop: () => undefined}
  const {default: ora} = await import('ora')
  const spinner = ora({text, stream: process.stderr}).start()
  return {
    live: true,
    update: (t) => void (spinner.text = t),
    stop: (t) => (t ? spinner.succeed(t) : spinner.stop()),
  }
}
