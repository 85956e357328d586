import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Ajv2020 from 'ajv/dist/2020'
import {expect} from 'chai'
import {parse} from 'yaml'

import {catalog, CATALOG_FILE, goldTables, jobNames, silverTables, sourceTables, topicFor} from '../../src/lib/catalog'
import {deterministicZip} from '../../src/lib/deploy/zip'
import {COMPOSE_FILE, connectWorkerEnv} from '../../src/lib/local/docker'
import {ROOT} from '../helpers/cli'

/**
 * Files that may name tables, jobs or job arguments besides pipeline.yaml, each with why. Everything
 * else the pipeline runs from (CLI, jobs, Terraform, DAG, scripts, images) must read the catalog.
 */
const ALLOWED: Record<string, string> = {
  'glue-jobs/cdc_lake/pipeline.yaml': 'a link to pipeline.yaml, so the jobs read the catalog from their package',
  'runtime/postgres/schema.sql': 'the source tables\' DDL in Postgres (types, keys, constraints the catalog does not hold)',
  'dq/rules.yaml': 'data-quality rules name the tables they check',
  'src/lib/demo/seed.ts': 'the demo\'s SQL writes to the source tables',
  'src/lib/load/workload.ts': 'the workload\'s SQL writes to the source tables (their constraints and foreign keys are not in the catalog)',
  'src/lib/load/run.ts': 'samples the source tables\' ids for the workload',
  'glue-jobs/lake_report.py': 'the demo\'s read-only lake report is a tool with its own flags, not a catalog job',
  'src/lib/demo/report.ts': 'runs that tool with its flags',
  'glue-jobs/cdc_lake/gold.py': 'the gold builders name their output columns, and one count column is called orders',
}

/** Tracked files of the parts that run the pipeline; tests, docs and benchmarks may name things. */
function runtimeFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {cwd: ROOT, encoding: 'utf8'})
    .split('\n')
    .filter((f) => /^(src|glue-jobs|terraform|airflow\/dags|scripts|bin|docker)\//.test(f) && !/(^|\/)tests?\//.test(f) && !f.endsWith('.md') && !(f in ALLOWED) && existsSync(join(ROOT, f)))
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('the pipeline catalog (pipeline.yaml)', () => {
  it('validates against pipeline.schema.json', () => {
    const ajv = new Ajv2020({allErrors: true, strict: false})
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'pipeline.schema.json'), 'utf8')) as object)
    expect(validate(catalog()), ajv.errorsText(validate.errors)).to.equal(true)
  })

  it('refers only to what it declares: gold reads, task order, task jobs and commands, permissions', () => {
    const c = catalog()
    const problems: string[] = []
    for (const [gold, g] of Object.entries(c.gold)) for (const t of g.reads) if (!(t in c.tables)) problems.push(`gold ${gold} reads unknown table ${t}`)
    const ids = c.orchestration.tasks.map((t) => t.id)
    for (const t of c.orchestration.tasks) {
      for (const a of t.after ?? []) if (ids.indexOf(a) < 0 || ids.indexOf(a) >= ids.indexOf(t.id)) problems.push(`task ${t.id} runs after ${a}, which is not an earlier task`)
      if (t.command === 'job run' && !(t.args?.[0] && t.args[0] in c.jobs)) problems.push(`task ${t.id} runs unknown job ${t.args?.[0]}`)
    }
    for (const command of [...c.orchestration.tasks.map((t) => t.command), c.orchestration.notify, c.orchestration.cleanup]) {
      if (!(command in c.aws.commands)) problems.push(`orchestration runs "${command}", which aws.commands does not list`)
    }
    for (const [command, needs] of [...Object.entries(c.aws.commands), ...Object.entries(c.aws.needs)]) for (const n of needs) if (!(n in c.aws.permissions)) problems.push(`${command} needs unknown permission ${n}`)
    for (const [job, spec] of Object.entries(c.jobs)) for (const n of spec.needs ?? []) if (!(n in c.aws.needs)) problems.push(`job ${job} needs ${n}, which aws.needs does not define`)
    for (const [job, spec] of Object.entries(c.jobs)) for (const a of Object.keys(spec.arguments)) if (a in c.job_arguments) problems.push(`job ${job} redeclares the common argument ${a}`)
    expect(problems).to.deep.equal([])
  })

  it('is the only file naming tables, jobs, topics and job arguments: the rest read it', () => {
    const c = catalog()
    const names = [
      ...silverTables(),
      ...goldTables(),
      c.lake.bronze,
      ...sourceTables().map(topicFor),
      // multi-word job arguments are distinctive enough to find; one-word ones (catalog, label…) are not
      ...[...Object.keys(c.job_arguments), ...Object.values(c.jobs).flatMap((j) => Object.keys(j.arguments))].filter((a) => a.includes('-')),
    ]
    const pattern = new RegExp(`(^|[^\\w-])(${names.map(escape).join('|')})(?![\\w-])`)
    // A source table's bare name is a common word, and a job's can be ("data-quality rules"): only
    // quoted, as <schema>.<table>, or after `job <verb>` is it a name.
    const tables = new RegExp(`(['"\`]|${escape(c.source.schema)}\\.)(${sourceTables().map(escape).join('|')})['"\`]?(?![\\w-])`)
    const jobs = new RegExp(`(['"\`/]|job [a-z]+ )(${jobNames().map(escape).join('|')})(?![\\w-])`)
    const hits: string[] = []
    for (const file of runtimeFiles()) {
      readFileSync(join(ROOT, file), 'utf8').split('\n').forEach((line, i) => {
        const m = pattern.exec(line) ?? tables.exec(line) ?? jobs.exec(line)
        if (m) hits.push(`${file}:${i + 1}: ${m[2]}`)
      })
    }
    expect(hits, 'read these from the catalog instead').to.deep.equal([])
  })

  it('gives its Connect worker settings to the compose worker as the ECS one gets them (CONNECT_<NAME>)', () => {
    const env = connectWorkerEnv()
    // offset.flush.interval.ms -> CONNECT_OFFSET_FLUSH_INTERVAL_MS, which the image's entrypoint turns back
    expect(Object.keys(env)).to.deep.equal(Object.keys(catalog().connect.worker).map((p) => `CONNECT_${p.toUpperCase().replaceAll('.', '_')}`))
    expect(Object.values(env)).to.deep.equal(Object.values(catalog().connect.worker))
    expect(env.CONNECT_OFFSET_FLUSH_INTERVAL_MS).to.equal('1000')
    const compose = parse(readFileSync(COMPOSE_FILE, 'utf8')) as {services: {connect: {env_file: string}}}
    expect(compose.services.connect.env_file).to.match(/^\$\{CDCCTL_CONNECT_ENV_FILE:\?/)
  })

  it('travels inside cdc_lake.zip, where the jobs on Glue read it', function () {
    this.timeout(30_000)
    const dir = mkdtempSync(join(tmpdir(), 'cdcctl-zip-'))
    const zip = join(dir, 'cdc_lake.zip')
    writeFileSync(zip, deterministicZip(join(ROOT, 'glue-jobs', 'cdc_lake'), 'cdc_lake'))
    // the zip alone on the path, as Glue's --extra-py-files puts it, from a directory without the repo
    const res = spawnSync(join(ROOT, '.venv', 'bin', 'python'), ['-c', 'import cdc_lake.catalog as c, json; print(json.dumps(c.load()))'], {cwd: dir, env: {PYTHONPATH: zip}, encoding: 'utf8'})
    expect(res.status, res.stderr).to.equal(0)
    expect(JSON.parse(res.stdout)).to.deep.equal(catalog())
    expect(readFileSync(CATALOG_FILE, 'utf8')).to.contain('jobs:')
  })
})
