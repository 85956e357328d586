import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {type LoadResult, runLoad} from '../lib/load/run'

export type LoadCommandResult = LoadResult

export default class Load extends BaseCommand<typeof Load, LoadCommandResult> {
  static summary = 'Write a seeded workload to the source database: inserts, updates and deletes in multi-row transactions.'
  static description = 'The same --seed gives the same sequence of transactions. Rows are added to users, products and orders and sampled ones are updated and deleted (never one an order refers to). A database restart is waited out. SIGTERM or SIGINT ends it early with the counts so far; the fault drills run it as their background load.'
  static examples = [
    '<%= config.bin %> load --duration 60 --rate 20',
    '<%= config.bin %> load --seed 42 --duration 300 --rate 50 --max-rows 8 --json',
  ]

  static flags = {
    seed: Flags.integer({description: 'Seed of the workload (default: a random one, reported in the result).', min: 0}),
    duration: Flags.integer({description: 'Seconds to run.', default: 60, min: 1}),
    rate: Flags.integer({description: 'Transactions per second, at most.', default: 20, min: 1}),
    'max-rows': Flags.integer({description: 'Statements per transaction: 1 to this many.', default: 5, min: 1}),
  }

  async run(): Promise<LoadCommandResult> {
    const stop = new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve)
      process.once('SIGINT', resolve)
    })
    const progress = await this.progress('writing')
    const result = await runLoad(await this.target().dbCredentials(), {
      seed: this.flags.seed ?? Math.floor(Math.random() * 2 ** 31),
      durationSec: this.flags.duration,
      rate: this.flags.rate,
      maxRows: this.flags['max-rows'],
      stop,
      onProgress: (p) => progress.update(`${p.transactions} transactions, ${p.changes} changes`),
    })
    progress.stop()
    if (result.failed + result.uncertain > 0) this.warn(`${result.failed} transaction(s) rolled back, ${result.uncertain} with an unknown outcome (connection lost at COMMIT): ${result.errors.join('; ')}`)
    this.say(`Seed ${result.seed}: ${result.transactions} transactions, ${result.changes} changes in ${result.durationSec}s (${result.reconnects} reconnects).`)
    return result
  }
}
