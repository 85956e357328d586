import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {cdcctl, ROOT} from './cli'
import {dlqRecords, jsonl} from './dlq'

/** One bad input: the arguments, where it runs (the sandbox, or a directory with a broken config), extra environment. */
export interface BadInput {
  args: string[]
  cwd?: 'broken' | 'sandbox'
  env?: Record<string, string>
}

export const TABLE_FILE = join(ROOT, 'docs', 'bad-inputs.md')
const DLQ_FILE = 'dlq/bronze/dt=2026-11-25/batch-0000000001-x.jsonl'
const record = dlqRecords('cdc.db.users', 2)

/** Corrected-record files the replay inputs name, by file name. */
const FILES: Record<string, string> = {
  'not-json.jsonl': '{"topic": "cdc.db.users", "value": \n',
  'array.jsonl': '[1, 2]\n',
  'no-topic.jsonl': '{"value": "x"}\n',
  'outside.jsonl': JSON.stringify({...record[0], dlq_file: '../../etc/passwd', dlq_line: 0}) + '\n',
  'absolute.jsonl': JSON.stringify({...record[0], dlq_file: '/etc/passwd', dlq_line: 0}) + '\n',
  'not-dlq.jsonl': JSON.stringify({...record[0], dlq_file: 'iceberg/cdc/silver_users/metadata/v1.metadata.json', dlq_line: 0}) + '\n',
  'dot-dot.jsonl': JSON.stringify({...record[0], dlq_file: 'dlq/bronze/../../jobs/x.jsonl', dlq_line: 0}) + '\n',
  'bad-line.jsonl': JSON.stringify({...record[0], dlq_file: DLQ_FILE, dlq_line: -1}) + '\n',
  'other-origin.jsonl': JSON.stringify({...record[0], dlq_file: DLQ_FILE, dlq_line: 1}) + '\n',
  'gone.jsonl': JSON.stringify({...record[0], dlq_file: 'dlq/bronze/dt=2026-11-25/batch-0000000009-gone.jsonl', dlq_line: 0}) + '\n',
  'rules.yaml': 'rules:\n  - name: x\n    type: no_such_type\n    table: silver_users\n',
}

export const BAD_INPUTS: BadInput[] = [
  {args: ['no-such-command']},
  {args: ['job', 'run']},
  {args: ['job', 'run', 'no-such-job']},
  {args: ['job', 'run', 'kafka-to-bronze', '--arg', 'no-such-argument=1']},
  {args: ['job', 'run', 'kafka-to-bronze', '--arg', 'trigger=sometimes']},
  {args: ['job', 'run', 'kafka-to-bronze', '--arg', 'max-offsets-per-trigger=many']},
  {args: ['job', 'run', 'lake-maintenance', '--arg', 'retain-last=0']},
  {args: ['job', 'run', 'kafka-to-bronze', '--arg', 'trigger']},
  {args: ['job', 'run', 'kafka-to-bronze', '--arg', 'storage-root=file:///elsewhere']},
  {args: ['job', 'run', 'kafka-to-bronze', '--timeout', '-5']},
  {args: ['job', 'status', 'kafka-to-bronze', '../../etc/passwd']},
  {args: ['job', 'status', 'kafka-to-bronze', 'no-such-run']},
  {args: ['job', 'logs', 'bronze-to-silver', 'a b']},
  {args: ['job', 'list', '--limit', '0']},
  {args: ['dlq', 'list', '--since', 'yesterday']},
  {args: ['dlq', 'list', '--until', '2026-13-45']},
  {args: ['dlq', 'list', '--profile', 'noroot']},
  {args: ['dlq', 'inspect', '--limit', '0']},
  {args: ['dlq', 'export']},
  {args: ['dlq', 'replay', '--from-file', 'missing.jsonl', '--yes']},
  {args: ['dlq', 'replay', '--from-file', 'not-json.jsonl', '--yes']},
  {args: ['dlq', 'replay', '--from-file', 'array.jsonl', '--yes']},
  {args: ['dlq', 'replay', '--from-file', 'no-topic.jsonl', '--yes']},
  {args: ['dlq', 'replay', '--from-file', 'outside.jsonl', '--yes']},
  {args: ['dlq', 'replay', '--from-file', 'absolute.jsonl', '--yes']},
  {args: ['dlq', 'replay', '--from-file', 'not-dlq.jsonl', '--yes']},
  {args: ['dlq', 'replay', '--from-file', 'dot-dot.jsonl', '--yes']},
  {args: ['dlq', 'replay', '--from-file', 'bad-line.jsonl', '--yes']},
  {args: ['dlq', 'replay', '--from-file', 'other-origin.jsonl', '--yes']},
  {args: ['dlq', 'replay', '--from-file', 'gone.jsonl', '--yes']},
  {args: ['dlq', 'replay']},
  {args: ['dlq', 'replay', '--rate', '0']},
  {args: ['dlq', 'replay', '--max-attempts', '0', '--yes']},
  {args: ['dq', 'history', '--limit', '0']},
  {args: ['dq', 'history', '--profile', 'noroot']},
  {args: ['dq', 'check', '--rules', 'missing.yaml']},
  {args: ['dq', 'check', '--rules', 'rules.yaml']},
  {args: ['config', 'show', '--profile', 'nope']},
  {args: ['config', 'show'], cwd: 'broken'},
  {args: ['config', 'show'], env: {CDCCTL_DB_PORT: 'abc'}},
  {args: ['config', 'show'], env: {CDCCTL_DB_PORT: '70000'}},
  {args: ['config', 'show'], env: {CDCCTL_PROFILE: 'nope'}},
  {args: ['job', 'run', 'kafka-to-bronze'], env: {CDCCTL_WARM_DRIVER: 'maybe'}},
  {args: ['kafka', 'tail']},
  {args: ['kafka', 'tail', 'cdc.db.users', '--limit', 'many']},
  {args: ['kafka', 'topics']},
  {args: ['connector', 'status']},
  {args: ['connector', 'delete', '--confirm', 'wrong-name']},
  {args: ['connector', 'delete']},
  {args: ['connector', 'snapshot']},
  {args: ['local', 'logs', 'no-such-component']},
  {args: ['local', 'up', 'no-such-component']},
  {args: ['deploy']},
  {args: ['notify', '--status', 'maybe', '--message', 'x']},
  {args: ['load', '--hot', '2']},
  {args: ['load', '--duration', 'forever']},
]

export interface Outcome {
  exit: number
  message: string
  actions: string
}

/**
 * A directory to run the bad inputs in: a config whose endpoints nothing listens on (127.0.0.1:1), a
 * storage root with one DLQ file, a profile whose storage root does not exist, the files above, and
 * beside it a directory whose config file is not JSON.
 */
export function sandbox(): {dir: string; cwd: (where?: 'broken' | 'sandbox') => string; cleanup: () => void} {
  const dir = mkdtempSync(join(tmpdir(), 'cdcctl-bad-'))
  const cwd = join(dir, 'work')
  mkdirSync(join(cwd, 'lake', 'dlq', 'bronze', 'dt=2026-11-25'), {recursive: true})
  writeFileSync(join(cwd, 'lake', DLQ_FILE), jsonl(record))
  const local = {stateDir: join(dir, 'state'), storage: {root: `file://${join(cwd, 'lake')}`}, kafka: {brokers: ['127.0.0.1:1']}, connect: {url: 'http://127.0.0.1:2'}, postgres: {port: 1}}
  writeFileSync(join(cwd, 'cdcctl.config.json'), JSON.stringify({profiles: {local, noroot: {...local, storage: {root: `file://${join(dir, 'no-such-root')}`}}}}))
  for (const [name, body] of Object.entries(FILES)) writeFileSync(join(cwd, name), body)
  mkdirSync(join(dir, 'broken'))
  writeFileSync(join(dir, 'broken', 'cdcctl.config.json'), '{"profiles": {"local": {"ports": {')
  return {dir, cwd: (where) => (where === 'broken' ? join(dir, 'broken') : cwd), cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

/** Run one bad input through the built CLI; its error, with the sandbox's path written <sandbox>. */
export async function outcome(input: BadInput, box: ReturnType<typeof sandbox>): Promise<Outcome> {
  const res = await cdcctl(input.args, {cwd: box.cwd(input.cwd), env: input.env, timeoutMs: 120_000})
  const clean = (s: string): string => s.split(box.dir).join('<sandbox>').split(ROOT).join('<repo>').trim()
  const lines = res.stderr.split('\n').filter((l) => !l.startsWith('Warning:'))
  const message = clean(lines.find((l) => l.startsWith('Error: '))?.slice(7) ?? (lines[0] || res.stdout.split('\n')[0]))
  const actions = clean(lines.find((l) => l.startsWith('Try: '))?.slice(5) ?? '')
  return {exit: res.code, message, actions}
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function renderTable(rows: {input: BadInput; outcome: Outcome}[]): string {
  const lines = [
    '# Bad input: what cdcctl answers',
    '',
    'Every input below runs through the built CLI in `test/integration/bad-inputs.test.ts`, which fails when an answer',
    'differs from this table. The inputs live in `test/helpers/bad-inputs.ts`; `npm run bad-inputs` regenerates the',
    'table (after `npm run build`). They run in a scratch directory whose config points at endpoints nothing listens on',
    '(127.0.0.1:1 and :2), with one DLQ file under its storage root; `<sandbox>` stands for that directory. Exit 2 is a usage',
    'or configuration error, 1 a failure; each message is the single line cdcctl prints (`Error: …`), then its `Try: …`.',
    '',
    '| # | input | exit | message | try |',
    '|---|---|---|---|---|',
    ...rows.map(({input, outcome: o}, i) => {
      const where = input.cwd === 'broken' ? ' (config file not JSON)' : ''
      const env = Object.entries(input.env ?? {}).map(([k, v]) => `${k}=${v} `).join('')
      return `| ${i + 1} | \`${cell(`${env}cdcctl ${input.args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}`)}\`${where} | ${o.exit} | ${cell(o.message)} | ${cell(o.actions)} |`
    }),
    '',
  ]
  return lines.join('\n')
}

export async function runAll(): Promise<{input: BadInput; outcome: Outcome}[]> {
  const box = sandbox()
  try {
    const out: {input: BadInput; outcome: Outcome}[] = []
    for (const input of BAD_INPUTS) out.push({input, outcome: await outcome(input, box)})
    return out
  } finally {
    box.cleanup()
  }
}

export const checkedIn = (): string => readFileSync(TABLE_FILE, 'utf8')
