// Regenerates docs/bad-inputs.md: every input of test/helpers/bad-inputs.ts through the built CLI (npm run build first).
import {writeFileSync} from 'node:fs'

import {renderTable, runAll, TABLE_FILE} from '../test/helpers/bad-inputs'

runAll().then((rows) => {
  writeFileSync(TABLE_FILE, renderTable(rows))
  process.stdout.write(`${rows.length} bad inputs written to ${TABLE_FILE}\n`)
}, (error: Error) => {
  process.stderr.write(`${error.message}\n`)
  process.exit(1)
})
