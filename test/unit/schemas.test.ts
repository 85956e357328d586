import {existsSync, readFileSync} from 'node:fs'

import Ajv from 'ajv'
import {expect} from 'chai'

import {commandSources, generateSchemas, schemaFile} from '../helpers/schemas'

describe('--json result schemas (schemas/<command>.json)', function () {
  this.timeout(120_000)

  it('every command has its schema checked in, equal to what its result type generates (npm run schemas)', async () => {
    const generated = await generateSchemas()
    const drift = [...generated].filter(([id, schema]) => !existsSync(schemaFile(id)) || readFileSync(schemaFile(id), 'utf8') !== JSON.stringify(schema, null, 2) + '\n').map(([id]) => id)
    expect(drift, 'schemas out of date: run npm run schemas').to.deep.equal([])
    expect([...generated.keys()]).to.deep.equal(commandSources().map((c) => c.id))
  })

  it('each schema compiles and closes its objects, so a renamed or added field fails validation', () => {
    const ajv = new Ajv({strict: false})
    for (const c of commandSources()) {
      const text = readFileSync(schemaFile(c.id), 'utf8')
      expect(() => ajv.compile(JSON.parse(text) as object), c.id).to.not.throw()
      expect(text, c.id).to.not.match(/"additionalProperties": true/)
    }
  })
})
