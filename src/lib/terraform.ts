import {spawn} from 'node:child_process'
import {chmodSync, createWriteStream, mkdirSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {CdcError, EXIT} from './errors'
import {redactText} from './redact'

// Write-only arguments and ephemeral resources (no secret in state or plan) arrived in 1.11.
export const MIN_TERRAFORM_VERSION = '1.11.0'

export type ResourceAction = 'create' | 'delete' | 'replace' | 'update'

/** What a saved plan will do. Like Terraform's "Plan: N to add, M to change, K to destroy", a replacement counts in add and destroy. */
export interface PlanSummary {
  add: number
  change: number
  destroy: number
  replace: number
  resources: {address: string; action: ResourceAction}[]
}

export interface TerraformOutput {
  sensitive: boolean
  type?: unknown
  value: unknown
}

interface PlanJson {
  resource_changes?: {address: string; change?: {actions?: string[]}}[]
}

/** `terraform show -json <planfile>` → a summary; reads and no-ops are left out. */
export function summarizePlan(plan: PlanJson): PlanSummary {
  const summary: PlanSummary = {add: 0, change: 0, destroy: 0, replace: 0, resources: []}
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change?.actions ?? []
    let action: ResourceAction | undefined
    if (actions.includes('create') && actions.includes('delete')) action = 'replace'
    else if (actions.includes('create')) action = 'create'
    else if (actions.includes('delete')) action = 'delete'
    else if (actions.includes('update')) action = 'update'
    if (!action) continue
    if (action === 'create' || action === 'replace') summary.add++
    if (action === 'delete' || action === 'replace') summary.destroy++
    if (action === 'update') summary.change++
    if (action === 'replace') summary.replace++
    summary.resources.push({address: rc.address, action})
  }
  summary.resources.sort((a, b) => a.address.localeCompare(b.address))
  return summary
}

/** "1.9.5" >= "1.6.0", numerically per part; pre-release suffixes are ignored. */
export function versionAtLeast(version: string, min: string): boolean {
  const parts = (v: string) => v.replace(/^v/, '').split(/[-+]/)[0].split('.').map((p) => Number.parseInt(p, 10) || 0)
  const [a, b] = [parts(version), parts(min)]
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return true
}

/** The line of Terraform's output that says what went wrong: its last "Error:" line, else its last line. */
export function lastErrorLine(output: string): string {
  // eslint-disable-next-line no-control-regex
  const lines = output.replace(/\u001B\[[0-9;]*m/g, '').split('\n').map((l) => l.replace(/^[\s│╷╵]+/, '').trim()).filter(Boolean)
  const errors = lines.filter((l) => /^Error:/.test(l))
  return (errors.at(-1) ?? lines.at(-1) ?? 'no output').replace(/^Error:\s*/, '')
}

export interface TerraformOptions {
  /** The root module (terraform/). Terraform runs with it as working directory. */
  dir: string
  /** TF_DATA_DIR: providers and backend state of this profile and environment, kept apart from others. */
  dataDir: string
  /** One log file per step lands here, the full output of Terraform. */
  logDir: string
  /** Stream Terraform's own output to stderr (stdout stays clean for --json). */
  stream?: boolean
  /** Binary path; default CDCCTL_TERRAFORM_BIN or `terraform` on PATH. */
  bin?: string
}

/** The terraform binary, one method per step. A failed step throws a CdcError naming the step and Terraform's error. */
export class Terraform {
  readonly bin: string

  constructor(private readonly options: TerraformOptions) {
    this.bin = options.bin ?? process.env.CDCCTL_TERRAFORM_BIN ?? 'terraform'
  }

  /** Preflight: the binary runs and is recent enough. */
  async version(): Promise<string> {
    const out = await this.run('version', ['version', '-json'], true)
    let version: string | undefined
    try {
      version = (JSON.parse(out) as {terraform_version?: string}).terraform_version
    } catch {
      version = /v?(\d+\.\d+\.\d+)/.exec(out)?.[1]
    }
    if (!version) throw new CdcError(`${this.bin} version printed no version`, {code: 'TERRAFORM_VERSION', actions: [`install Terraform >= ${MIN_TERRAFORM_VERSION}`]})
    if (!versionAtLeast(version, MIN_TERRAFORM_VERSION)) {
      throw new CdcError(`Terraform ${version} is too old; cdcctl needs >= ${MIN_TERRAFORM_VERSION}`, {
        code: 'TERRAFORM_VERSION',
        exit: EXIT.usage,
        actions: [`install Terraform >= ${MIN_TERRAFORM_VERSION}`, 'or set CDCCTL_TERRAFORM_BIN'],
      })
    }
    return version
  }

  async init(backendConfig?: string): Promise<void> {
    await this.run('init', ['init', '-input=false', ...this.color(), '-reconfigure', ...(backendConfig ? [`-backend-config=${backendConfig}`] : [])])
  }

  /** A saved plan embeds the prior state: it is written for the owner alone (the caller deletes it after apply). */
  async plan(planFile: string, varFile: string, options: {destroy?: boolean} = {}): Promise<void> {
    // the directory too, whoever made it first: Terraform writes the file with the umask's mode
    mkdirSync(dirname(planFile), {recursive: true, mode: 0o700})
    chmodSync(dirname(planFile), 0o700)
    await this.run('plan', ['plan', '-input=false', ...this.color(), ...(options.destroy ? ['-destroy'] : []), `-out=${planFile}`, `-var-file=${varFile}`])
    chmodSync(planFile, 0o600)
  }

  async show(planFile: string): Promise<PlanSummary> {
    const out = await this.run('show', ['show', '-json', planFile], true)
    try {
      return summarizePlan(JSON.parse(out) as PlanJson)
    } catch {
      throw new CdcError(`terraform show -json ${planFile} did not print JSON`, {code: 'TERRAFORM_SHOW_FAILED'})
    }
  }

  /** Applies exactly the saved plan, so what was shown is what changes. */
  async apply(planFile: string): Promise<void> {
    await this.run('apply', ['apply', '-input=false', ...this.color(), planFile])
  }

  async output(): Promise<Record<string, TerraformOutput>> {
    const out = await this.run('output', ['output', '-json'], true)
    try {
      return JSON.parse(out) as Record<string, TerraformOutput>
    } catch {
      throw new CdcError('terraform output -json did not print JSON', {code: 'TERRAFORM_OUTPUT_FAILED'})
    }
  }

  async destroy(varFile: string): Promise<void> {
    await this.run('destroy', ['destroy', '-input=false', ...this.color(), '-auto-approve', `-var-file=${varFile}`])
  }

  /** Colour only where a person watches Terraform's output stream by. */
  private color(): string[] {
    return this.options.stream && process.stderr.isTTY ? [] : ['-no-color']
  }

  /**
   * Runs one step. Terraform's stderr (and stdout unless `capture`) goes to the step's log file and,
   * when streaming, to our stderr; a captured stdout (JSON) is returned and never echoed, as it may
   * hold sensitive values.
   */
  private run(step: string, args: string[], capture = false): Promise<string> {
    mkdirSync(this.options.logDir, {recursive: true, mode: 0o700})
    mkdirSync(this.options.dataDir, {recursive: true, mode: 0o700})
    const logFile = join(this.options.logDir, `terraform-${step}.log`)
    const log = createWriteStream(logFile)
    const env = {...process.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', TF_DATA_DIR: this.options.dataDir}
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, args, {cwd: this.options.dir, env, stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      let tail = ''
      const keep = (text: string) => (tail = (tail + text).slice(-8192))
      child.stdout.on('data', (d: Buffer) => {
        if (capture) {
          stdout += d.toString()
          return
        }
        log.write(d)
        keep(d.toString())
        if (this.options.stream) process.stderr.write(redactText(d.toString()))
      })
      child.stderr.on('data', (d: Buffer) => {
        log.write(d)
        keep(d.toString())
        if (this.options.stream) process.stderr.write(redactText(d.toString()))
      })
      child.on('error', (error: NodeJS.ErrnoException) => {
        log.end()
        if (error.code === 'ENOENT') {
          reject(new CdcError(`Terraform was not found (${this.bin})`, {
            code: 'TERRAFORM_NOT_FOUND',
            exit: EXIT.usage,
            actions: [`install Terraform >= ${MIN_TERRAFORM_VERSION} (https://developer.hashicorp.com/terraform/install)`, 'or set CDCCTL_TERRAFORM_BIN to its path'],
          }))
        } else {
          reject(new CdcError(`terraform ${step} could not start: ${error.message}`, {code: 'TERRAFORM_FAILED', cause: error}))
        }
      })
      child.on('close', (code) => {
        log.end()
        if (code === 0) return resolve(stdout)
        reject(new CdcError(`terraform ${step} failed: ${redactText(tail ? lastErrorLine(tail) : `exit status ${code}`)}`, {
          code: `TERRAFORM_${step.toUpperCase()}_FAILED`,
          actions: [`read ${logFile}`, 'run again with --verbose to stream Terraform output'],
        }))
      })
    })
  }
}
