import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command'
import {jobWithArgument, sourceTables} from '../../lib/catalog'
import {usageError} from '../../lib/errors'
import {type SchemaDiff, schemaDiff} from '../../lib/schema'
import {renderTable} from '../../lib/ui'

export type SchemaDiffResult = SchemaDiff

export default class SchemaDiffCommand extends BaseCommand<typeof SchemaDiffCommand, SchemaDiffResult> {
  static summary = 'Source (Postgres), bronze (fields silver read in events) and silver schemas side by side per table, drift highlighted.'
  static description = 'One row per source column: the catalog\'s type, Postgres\'s (and the Spark type silver gives it), when silver last read the field in a bronze event, silver\'s type, and what the next bronze-to-silver run does about it (ok, new, widen, dropped, allowed, stop). Prints the pipeline.yaml entry naming the columns silver holds beyond the catalog. Exits 1 when a change would stop a table (or the source cannot be read); drift the pipeline follows by itself does not fail it.'
  static examples = [
    '<%= config.bin %> schema diff',
    `<%= config.bin %> schema diff --table ${sourceTables()[0]}`,
    '<%= config.bin %> schema diff --json',
    '<%= config.bin %> schema diff --profile aws',
  ]

  static flags = {
    table: Flags.string({description: 'Only this source table (repeatable).', multiple: true, default: [], options: sourceTables()}),
  }

  async run(): Promise<SchemaDiffResult> {
    if (new Set(this.flags.table).size !== this.flags.table.length) throw usageError('--table names a table twice', ['name each table once'])
    const job = jobWithArgument('allow')
    const diff = await schemaDiff(this.target(), this.flags.table, (table, column, type) => `cdcctl job run ${job} --arg allow=${table}.${column}:${type}`)
    if (diff.sourceError) {
      this.warn(`the source's columns could not be read: ${diff.sourceError}`)
      this.markFailed()
    }
    for (const t of diff.tables) {
      const verdict = t.stops ? 'STOPS on its next change' : t.drift ? 'drift the pipeline follows' : 'in step'
      this.say(`${t.table} -> ${t.silverTable}${t.silverExists ? '' : ' (not created yet)'}: ${verdict}`)
      this.say(renderTable(t.columns.map((c) => ({
        ...c,
        state: c.state === 'ok' ? 'ok' : c.state.toUpperCase(),
        postgres: c.source ? (c.sourceAs && c.sourceAs !== c.source ? `${c.source} (${c.sourceAs})` : c.source) : null,
        bronze: c.bronzeSeen,
      })), ['column', 'catalog', 'postgres', 'bronze', 'silver', 'state', 'note'], ['column', 'catalog', 'postgres', 'bronze (last read)', 'silver', 'state', 'note']))
      if (t.catalogEntry) this.say(`To name these columns in the catalog, add to pipeline.yaml:\n${t.catalogEntry}\n`)
    }
    if (diff.tables.some((t) => t.stops)) this.markFailed()
    return diff
  }
}
