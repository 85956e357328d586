import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {cdcctl, isOneLineError, json, ROOT} from '../helpers/cli'

type CheckJson = {status: number; result: {runId: string; passed: boolean; rules: {name: string; type: string; table: string; status: string; sample_keys: unknown[]}[]}}

const LAKE = join(ROOT, '.cdcctl', 'lake')
const JOB_TIMEOUT = 600_000

/** Change one current silver_users row behind the pipeline's back, and put it back afterwards. */
const TAMPER = `
import json, sys
from cdc_lake.session import build_session, warehouse_for
spark = build_session("dq-test-tamper", warehouse_for(sys.argv[1]), "local", log_level="ERROR")
t = "lake.cdc.silver_users"
if sys.argv[2] == "tamper":
    row = spark.sql(f"SELECT id, full_name FROM {t} WHERE _is_current ORDER BY id LIMIT 1").first()
    # literals, not :named parameters: Spark 4.1 leaves them unbound in Iceberg's row-level UPDATE
    spark.sql(f"UPDATE {t} SET full_name = 'tampered by dq test' WHERE id = {int(row.id)} AND _is_current")
    print(json.dumps({"id": row.id, "full_name": row.full_name}))
else:
    saved = json.loads(sys.argv[3])
    # the saved values as a view (no :named parameters, see above), so the name needs no SQL quoting
    spark.createDataFrame([(saved["id"], saved["full_name"])], "id bigint, full_name string").createOrReplaceTempView("saved")
    spark.sql(f"MERGE INTO {t} t USING saved s ON t.id = s.id AND t._is_current WHEN MATCHED THEN UPDATE SET t.full_name = s.full_name")
    print(json.dumps(saved))
`

async function tamper(dir: string, action: 'restore' | 'tamper', saved?: string): Promise<{id: number; full_name: string}> {
  const script = join(dir, 'tamper.py')
  writeFileSync(script, TAMPER)
  const {stdout} = await promisify(execFile)(join(ROOT, '.venv', 'bin', 'python'), [script, `file://${LAKE}`, action, ...(saved ? [saved] : [])], {
    env: {...process.env, PYTHONPATH: join(ROOT, 'glue-jobs')},
    timeout: 300_000,
  })
  return JSON.parse(stdout.trim().split('\n').pop() as string) as {id: number; full_name: string}
}

describe('dq check on the local lake', function () {
  this.timeout(JOB_TIMEOUT * 4)
  let dir: string

  before(async function () {
    this.timeout(JOB_TIMEOUT * 3)
    dir = mkdtempSync(join(tmpdir(), 'cdcctl-dq-'))
    // The acceptance state: the demo has run (data in Postgres, every job caught up, a quiet source).
    const demo = await cdcctl(['demo', '--json'], {timeoutMs: JOB_TIMEOUT * 3})
    expect(demo.code, `demo: ${demo.stdout}${demo.stderr}`).to.equal(0)
    expect(existsSync(join(LAKE, 'iceberg', 'cdc', 'silver_users'))).to.equal(true)
  })

  it('passes on the lake the pipeline built', async () => {
    const res = await cdcctl(['dq', 'check', '--json'], {timeoutMs: JOB_TIMEOUT})
    const out = json<CheckJson>(res)
    const failing = out.result.rules.filter((r) => r.status === 'fail' || r.status === 'error')
    expect(failing, JSON.stringify(failing)).to.deep.equal([])
    expect(res.code).to.equal(0)
    expect(out.result.passed).to.equal(true)
    expect([...new Set(out.result.rules.map((r) => r.type))]).to.include.members(['scd2', 'reconcile_source', 'gold_consistency', 'referential'])
    const history = json<{result: {runs: {runId: string}[]}}>(await cdcctl(['dq', 'history', '--limit', '5', '--json']))
    expect(history.result.runs.map((r) => r.runId)).to.include(out.result.runId)
  })

  describe('a silver row changed behind the pipeline', () => {
    let saved: {id: number; full_name: string} | undefined

    before(async () => {
      saved = await tamper(dir, 'tamper')
    })

    after(async () => {
      if (saved) await tamper(dir, 'restore', JSON.stringify(saved))
    })

    it('fails reconcile_source and names the key', async () => {
      const res = await cdcctl(['dq', 'check', '--only', 'reconcile_source', '--table', 'silver_users', '--json'], {timeoutMs: JOB_TIMEOUT})
      const out = json<CheckJson>(res)
      expect(res.code).to.equal(1)
      expect(out.result.passed).to.equal(false)
      const reconcile = out.result.rules.find((r) => r.type === 'reconcile_source')
      expect(reconcile?.status).to.equal('fail')
      expect(reconcile?.sample_keys).to.include((saved as {id: number}).id)
    })
  })

  it('rejects a rules file with a typo: one line with its line number, exit 2, no job', async () => {
    const rules = join(dir, 'typo.yaml')
    const good = readFileSync(join(ROOT, 'dq', 'rules.yaml'), 'utf8')
    writeFileSync(rules, good.replace('type: scd2', 'type: scd3'))
    const line = good.split('\n').findIndex((l) => l.includes('type: scd2')) + 1
    const res = await cdcctl(['dq', 'check', '--rules', rules])
    expect(res.code).to.equal(2)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain(`${rules}:${line}:`).and.contain("'scd3'")
  })

  it('a rule naming a missing table is a one-line error naming it', async () => {
    const rules = join(dir, 'missing.yaml')
    writeFileSync(rules, 'version: 1\nrules:\n  - name: nope.rows\n    type: row_count\n    table: silver_nope\n    min: 1\n')
    const res = await cdcctl(['dq', 'check', '--rules', rules], {timeoutMs: JOB_TIMEOUT})
    expect(res.code).to.equal(2)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('lake.cdc.silver_nope').and.contain('does not exist')
  })
})
