import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import {CdcError, EXIT} from './lib/errors'
import {redact, redactText} from './lib/redact'
import {resolveTarget, type Target} from './lib/targets'
import {type Progress, startProgress} from './lib/ui'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** What `--json` prints: the same shape for every command; `status` is the process's exit status. */
export interface JsonEnvelope<R> {
  status: number
  result: R
  warnings: string[]
}

export interface JsonError {
  status: number
  code: string
  message: string
  actions: string[]
  warnings: string[]
}

/**
 * Every cdcctl command extends this, typed by its class (C, for flags and args) and its result (R,
 * what `--json` returns under `result`, schema in schemas/). It owns --json, --profile and --verbose,
 * progress that falls silent under --json or off a TTY, warnings that go to stderr and into the JSON,
 * redaction of all output, the exit status (the envelope's `status` is the same number), and one
 * catch() that turns any error into a single line with suggested actions.
 */
export abstract class BaseCommand<C extends typeof Command, R> extends Command {
  static enableJsonFlag = true

  static baseFlags = {
    profile: Flags.string({description: 'Configuration profile (target and environment) to use. Default: local.', env: 'CDCCTL_PROFILE', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({description: 'Show progress detail and stack traces of errors.', helpGroup: 'GLOBAL', default: false}),
  }

  protected flags!: CommandFlags<C>
  protected args!: CommandArgs<C>
  /** Every positional argument, for commands that take a list (strict = false). */
  protected positional: string[] = []
  private readonly warnings: string[] = []
  private cachedTarget?: Target
  private exitStatus: number = EXIT.ok

  public abstract run(): Promise<R>

  public override async init(): Promise<void> {
    await super.init()
    const {args, argv, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    }).catch((error: unknown) => {
      // Whatever fails while parsing the command line (a flag's own check, such as a file that must
      // exist, throws a plain Error) is a usage error.
      throw error instanceof CdcError ? error : usageErrorOf(error)
    })
    this.flags = flags as CommandFlags<C>
    this.args = args as CommandArgs<C>
    this.positional = argv.map(String)
  }

  /** The target (local or aws) of the chosen profile. */
  protected target(): Target {
    this.cachedTarget ??= resolveTarget({profile: this.flags.profile})
    return this.cachedTarget
  }

  /** The command completed but what it checked or ran failed: exit 1, and `"status": 1` in the JSON. */
  protected markFailed(): void {
    this.exitStatus = EXIT.failed
  }

  /** Human output; nothing reaches stdout under --json except the result. */
  protected say(text: string): void {
    if (!this.jsonEnabled()) this.log(redactText(text))
  }

  public override warn(input: string | Error): string | Error {
    const text = redactText(typeof input === 'string' ? input : input.message)
    this.warnings.push(text)
    process.stderr.write(`Warning: ${text}\n`)
    return input
  }

  protected async progress(text: string): Promise<Progress> {
    return startProgress(text, !this.jsonEnabled())
  }

  protected override toSuccessJson(result: unknown): JsonEnvelope<unknown> {
    return {status: this.exitStatus, result: redact(result), warnings: this.warnings}
  }

  protected override toErrorJson(error: unknown): JsonError {
    const e = normalize(error)
    return {status: e.exit, code: e.code, message: redactText(e.message), actions: e.actions.map(redactText), warnings: this.warnings}
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    if (!error) process.exitCode = this.exitStatus
    return super.finally(error)
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    const e = normalize(error)
    if (this.jsonEnabled() || process.argv.includes('--json')) {
      this.logJson(this.toErrorJson(e))
    } else {
      process.stderr.write(`Error: ${redactText(e.message)}\n`)
      if (e.actions.length > 0) process.stderr.write(`Try: ${redactText(e.actions.join(', or '))}\n`)
      if (process.argv.includes('--verbose') && error.stack) process.stderr.write(redactText(error.stack) + '\n')
    }
    process.exitCode = e.exit
    return undefined
  }
}

// oclif's parse errors put the reason on the lines after a heading ("Parsing --limit", "Missing 1
// required arg:", "The following error occurred:"), may add notes about multi-value flags, and end with
// a pointer to --help: keep the heading's subject and the reason, on one line.
const NOISE = /^(The following errors? occurred:|See more help with --help|Note: |Alternatively, )/

/** oclif's (multi-line) message as one line that keeps the reason. */
export function oneLineParseError(message: string): string {
  const lines = message.split('\n').map((l) => l.trim().replace(/^Error: /, '')).filter((l) => l !== '' && !NOISE.test(l))
  return lines.map((l, i) => (i === 0 || /[:]$/.test(lines[i - 1]) ? l : `: ${l}`)).join(' ').replace(/\s+/g, ' ').replace(/ :/g, ':').replace(/::/g, ':')
}

function usageErrorOf(error: unknown): CdcError {
  const suggestions = (error as {suggestions?: string[]}).suggestions ?? []
  const exit = (error as Errors.CLIError).oclif?.exit
  return new CdcError(oneLineParseError(error instanceof Error ? error.message : String(error)), {code: 'USAGE', exit: exit === 0 ? EXIT.ok : EXIT.usage, actions: suggestions.length > 0 ? suggestions : ['see --help']})
}

/** Map any thrown value to a CdcError: oclif's parse errors are usage errors (exit 2). */
function normalize(error: unknown): CdcError {
  if (error instanceof CdcError) return error
  if (error instanceof Errors.CLIError) return usageErrorOf(error)
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
  return new CdcError(message, {code: 'UNEXPECTED', exit: EXIT.failed, actions: ['run again with --verbose for the stack trace']})
}
