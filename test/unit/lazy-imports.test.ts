import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {BIN} from '../helpers/cli'

describe('startup cost', () => {
  it('cdcctl --help loads no AWS SDK, kafkajs or pg module', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdcctl-lazy-'))
    const record = join(dir, 'modules.txt')
    const hook = join(dir, 'hook.js')
    // Record every module file Node loads, through require or import.
    writeFileSync(hook, `const fs = require('fs'); const M = require('module'); const seen = new Set();
const orig = M._resolveFilename; M._resolveFilename = function (...a) { const r = orig.apply(this, a); seen.add(r); return r };
process.on('exit', () => fs.writeFileSync(${JSON.stringify(record)}, [...seen].join('\\n')));`)
    for (const args of [['--help'], ['connector', '--help'], ['kafka', 'tail', '--help']]) {
      const res = spawnSync(process.execPath, ['--require', hook, BIN, ...args], {encoding: 'utf8'})
      expect(res.status, res.stderr).to.equal(0)
      const loaded = readFileSync(record, 'utf8')
      expect(loaded).to.contain('@oclif') // the hook saw the CLI load
      expect(loaded).to.not.match(/node_modules\/(kafkajs|pg|@aws-sdk)\//)
    }
  })
})
