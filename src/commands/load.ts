import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command'
import {usageError} from '../lib/errors'
import {type LoadResult, runLoad} from '../lib/load/run'

export type LoadCommandResult = LoadResult

export default class Load extends BaseCommand<typeof Load, LoadCommandResult> {
  static summary = 'Write a seeded workload to the source database: inserts, updates and deletes in multi-row transactions.'
  static description = 'The same --seed gives the same sequence of transactions. Rows are added to users, products and orders and sampled ones are updated and deleted (never one an order refers to). A database restart is waited out. SIGTERM or SIGINT ends it early with the counts so far; the fault drills run it as their background load.'
  static examples = [
    '<%= config.bin %> load --duration 60 --rate 20',
    '<%= config.bin %> load --seed 42 --duration 300 --rate 50 --max-rows 8 --json',
    '<%= config.bin %> load --rate 0 --rows-per-update 1000 --hot 0.2 --max-changes 100000 --pool-size 20000',
  ]

  static flags = {
    seed: Flags.integer({description: 'Seed of the workload (default: a random one, reported in the result).', min: 0}),
    duration: Flags.integer({description: 'Seconds to run.', default: 60, min: 1}),
    rate: Flags.integer({description: 'Transactions per second, at most; 0: as fast as the database takes them.', default: 20, min: 0}),
    'max-rows': Flags.integer({description: 'Statements per transaction: 1 to this many.', default: 5, min: 1}),
    'rows-per-update': Flags.integer({description: 'Rows one update statement changes (a batch job\'s shape); half of the statements are such updates when above 1.', default: 1, min: 1}),
    hot: Flags.string({description: 'Share (0 to 1) of updated rows taken from the newest 1% of ids: hot keys.', default: '0'}),
    'max-changes': Flags.integer({description: 'Stop once this many row changes are committed.', min: 1}),
    'pool-size': Flags.integer({description: 'Ids per table the workload starts from (the newest this many).', default: 500, min: 1}),
  }

  async run(): Promise<LoadCommandResult> {
    const stop = new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve)
      process.once('SIGINT', resolve)
    })
    const hot = Number(this.flags.hot)
    if (!(hot >= 0 && hot <= 1)) throw usageError(`--hot ${this.flags.hot} is not a share between 0 and 1`, ['--hot 0.2'])
    const progress = await this.progress('writing')
    const result = await runLoad(await this.target().dbCredentials(), {
      seed: this.flags.seed ?? Math.floor(Math.random() * 2 ** 31),
      durationSec: this.flags.duration,
      rate: this.flags.rate,
      maxRows: this.flags['max-rows'],
      shape: {rowsPerUpdate: this.flags['rows-per-update'], hot},
      maxChanges: this.flags['max-changes'],
      poolSize: this.flags['pool-size'],
      stop,
      onProgress: (p) => progress.update(`${p.transactions} transactions, ${p.changes} changes`),
    })
    progress.stop()
    if (result.failed + result.uncertain > 0) this.warn(`${result.failed} transaction(s) rolled back, ${result.uncertain} with an unknown outcome (connection lost at COMMIT): ${result.errors.join('; ')}`)
    this.say(`Seed ${result.seed}: ${result.transactions} transactions, ${result.changes} changes in ${result.durationSec}s (${result.reconnects} reconnects).`)
    return result
  }
}
