import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import {CdcError, EXIT} from './lib/errors'
import {redact, redactText} from './lib/redact'
import {resolveTarget, type Target} from './lib/targets'
import {type Progress, startProgress} from './lib/ui'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * Every cdcctl command extends this. It owns --json (run()'s return value is the JSON result),
 * --profile and --verbose, progress that falls silent under --json or off a TTY, warnings that go
 * to stderr and into the JSON, redaction of all output, and one catch() that turns any error into
 * a single line with suggested actions and the right exit status.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true

  static baseFlags = {
    profile: Flags.string({description: 'Configuration profile (target and environment) to use. Default: local.', env: 'CDCCTL_PROFILE', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({description: 'Show progress detail and stack traces of errors.', helpGroup: 'GLOBAL', default: false}),
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  /** Every positional argument, for commands that take a list (strict = false). */
  protected positional: string[] = []
  private readonly warnings: string[] = []
  private cachedTarget?: Target

  public override async init(): Promise<void> {
    await super.init()
    const {args, argv, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
    this.positional = argv.map(String)
  }

  /** The target (local or aws) of the chosen profile. */
  protected target(): Target {
    this.cachedTarget ??= resolveTarget({profile: this.flags.profile})
    return this.cachedTarget
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

  protected override toSuccessJson(result: unknown): unknown {
    return {status: 0, result: redact(result), warnings: this.warnings}
  }

  protected override toErrorJson(error: unknown): unknown {
    const e = normalize(error)
    return {status: e.exit, code: e.code, message: redactText(e.message), actions: e.actions, warnings: this.warnings}
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

/** Map any thrown value to a CdcError: oclif's parse errors are usage errors (exit 2). */
function normalize(error: unknown): CdcError {
  if (error instanceof CdcError) return error
  if (error instanceof Errors.CLIError) {
    const exit = (error as Errors.CLIError).oclif?.exit
    const message = error.message.split('\n')[0].replace(/^Error: /, '')
    const suggestions = ((error as Errors.CLIError & {suggestions?: string[]}).suggestions ?? [])
    return new CdcError(message, {code: 'USAGE', exit: exit === 0 ? EXIT.ok : EXIT.usage, actions: suggestions.length > 0 ? suggestions : ['see --help']})
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
  return new CdcError(message, {code: 'UNEXPECTED', exit: EXIT.failed, actions: ['run again with --verbose for the stack trace']})
}
