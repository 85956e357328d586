// Regenerates schemas/<command>.json from each command's TypeScript result type (npm run schemas).
import {mkdirSync, writeFileSync} from 'node:fs'

import {generateSchemas, schemaFile, SCHEMAS_DIR} from '../test/helpers/schemas'

async function main(): Promise<void> {
  mkdirSync(SCHEMAS_DIR, {recursive: true})
  for (const [id, schema] of await generateSchemas()) writeFileSync(schemaFile(id), JSON.stringify(schema, null, 2) + '\n')
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`)
  process.exit(1)
})
