import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Profile} from '../../src/lib/config'
import {HEADERS} from '../../src/lib/dlq/replay'
import {type DlqRecord} from '../../src/lib/dlq/record'
import {kafkaClient, readTopic, withAdmin} from '../../src/lib/kafka'
import {openStore, type ObjectStore} from '../../src/lib/storage'
import {BIN, cdcctl, isOneLineError, json} from '../helpers/cli'
import {dlqRecords, jsonl} from '../helpers/dlq'
import {type Moto, startMoto} from '../helpers/moto'
import {localStack} from '../helpers/stack'

type ListJson = {result: {total: number; byTopic: Record<string, number>; byErrorClass: Record<string, number>; byDay: Record<string, number>}}
type ReplayJson = {result: {sent: number; selected: number; dryRun: boolean; archivedFiles: string[]; recovered: number; skippedExhausted: number}}

const createdTopics: string[] = []

async function createTopic(profile: Profile, topic: string): Promise<void> {
  await withAdmin(profile.kafka.brokers, (admin) => admin.createTopics({waitForLeaders: true, topics: [{topic, numPartitions: 3}]}))
  createdTopics.push(topic)
}

/** The tests' own topics leave the broker with them. */
async function deleteCreatedTopics(profile: Profile): Promise<void> {
  const topics = createdTopics.splice(0)
  if (topics.length > 0) await withAdmin(profile.kafka.brokers, (admin) => admin.deleteTopics({topics}))
}

/** Origin ids of the replayed records in a topic, with how often each arrived. */
async function replayedCounts(profile: Profile, topic: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (const m of await readTopic(profile.kafka.brokers, topic, {from: 'beginning', idleMs: 4000})) {
    const id = `${m.headers[HEADERS.originTopic]}:${m.headers[HEADERS.originPartition]}:${m.headers[HEADERS.originOffset]}`
    counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}

async function writeDlq(store: ObjectStore, topic: string, perFile: number, files: number): Promise<DlqRecord[]> {
  const all: DlqRecord[] = []
  for (let f = 0; f < files; f++) {
    const records = dlqRecords(topic, perFile, f * perFile)
    await store.write(`dlq/bronze/dt=2026-11-2${4 + (f % 2)}/batch-${String(f).padStart(10, '0')}-test.jsonl`, jsonl(records))
    all.push(...records)
  }
  return all
}

function workspace(profile: Profile, root?: string): {cwd: string; root: string} {
  const cwd = mkdtempSync(join(tmpdir(), 'cdcctl-dlq-'))
  const storageRoot = root ?? `file://${join(cwd, 'lake')}`
  writeFileSync(join(cwd, 'cdcctl.config.json'), JSON.stringify({profiles: {local: {storage: {root: storageRoot}, stateDir: profile.stateDir, ports: profile.ports}}}))
  return {cwd, root: storageRoot}
}

describe('dead-letter queue on the local storage root, with the real broker', function () {
  this.timeout(240_000)
  let profile: Profile

  before(async () => {
    profile = await localStack()
  })

  after(async () => {
    if (profile) await deleteCreatedTopics(profile)
  })

  it('list, inspect and export count exactly what was written', async () => {
    const {cwd, root} = workspace(profile)
    const written = await writeDlq(openStore(root, 'ap-south-1'), 'cdc.db.users', 30, 2)
    const list = json<ListJson>(await cdcctl(['dlq', 'list', '--json'], {cwd})).result
    expect(list.total).to.equal(60)
    expect(list.byTopic).to.deep.equal({'cdc.db.users': 60})
    expect(list.byErrorClass).to.deep.equal({MALFORMED_JSON: 20, MISSING_FIELD: 20, UNKNOWN_OP: 20})
    expect(list.byDay).to.deep.equal({'2026-11-24': 30, '2026-11-25': 30})
    const inspected = json<{result: {records: {errorClass: string; origin: string}[]}}>(await cdcctl(['dlq', 'inspect', '--error', 'unknown_op', '--limit', '100', '--json'], {cwd})).result.records
    expect(inspected).to.have.length(20)
    expect(inspected.every((r) => r.errorClass === 'UNKNOWN_OP')).to.equal(true)
    const since = json<ListJson>(await cdcctl(['dlq', 'list', '--since', '2026-11-25T00:00:00Z', '--json'], {cwd})).result
    expect(since.total).to.equal(written.filter((r) => r.failed_at >= '2026-11-25').length)
    const out = join(cwd, 'export.jsonl')
    const exported = json<{result: {records: number}}>(await cdcctl(['dlq', 'export', '--out', out, '--error', 'cannot be parsed', '--json'], {cwd})).result
    expect(exported.records).to.equal(60)
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DlqRecord)
    expect(lines.map((l) => `${l.topic}:${l.partition}:${l.offset}`).sort()).to.deep.equal(written.map((r) => `${r.topic}:${r.partition}:${r.offset}`).sort())
    expect(lines.every((l) => l.dlq_file?.startsWith('dlq/bronze/') && typeof l.dlq_line === 'number')).to.equal(true)
  })

  it('--dry-run sends nothing and changes nothing', async () => {
    const topic = `it-dlq-dry-${Date.now()}`
    await createTopic(profile, topic)
    const {cwd, root} = workspace(profile)
    await writeDlq(openStore(root, 'ap-south-1'), topic, 10, 1)
    const before = readdir(root)
    const res = json<ReplayJson>(await cdcctl(['dlq', 'replay', '--dry-run', '--json'], {cwd})).result
    expect(res).to.include({dryRun: true, selected: 10, sent: 0})
    expect(readdir(root)).to.deep.equal(before)
    expect((await replayedCounts(profile, topic)).size).to.equal(0)
  })

  it('replay sends each selected record exactly once, to its partition, and empties the DLQ', async () => {
    const topic = `it-dlq-once-${Date.now()}`
    await createTopic(profile, topic)
    const {cwd, root} = workspace(profile)
    const written = await writeDlq(openStore(root, 'ap-south-1'), topic, 25, 2)
    const first = json<ReplayJson>(await cdcctl(['dlq', 'replay', '--topic', topic, '--yes', '--json'], {cwd})).result
    expect(first.sent).to.equal(50)
    expect(first.archivedFiles).to.have.length(2)
    const again = json<ReplayJson>(await cdcctl(['dlq', 'replay', '--yes', '--json'], {cwd})).result
    expect(again.sent).to.equal(0)
    const counts = await replayedCounts(profile, topic)
    expect(counts.size).to.equal(50)
    expect([...counts.values()].every((n) => n === 1)).to.equal(true)
    expect(json<ListJson>(await cdcctl(['dlq', 'list', '--json'], {cwd})).result.total).to.equal(0)
    // same key -> same partition as the producer that wrote it first would pick
    const msgs = await readTopic(profile.kafka.brokers, topic, {from: 'beginning', idleMs: 3000})
    const byKey = new Map<string, Set<number>>()
    for (const m of msgs) byKey.set(String(m.key), (byKey.get(String(m.key)) ?? new Set()).add(m.partition))
    expect([...byKey.values()].every((p) => p.size === 1)).to.equal(true)
    expect(msgs.find((m) => m.headers[HEADERS.originOffset] === String(written[6].offset))?.value).to.deep.equal(Buffer.from(written[6].value as string, 'base64'))
    expect(msgs.every((m) => m.headers[HEADERS.replayCount] === '1')).to.equal(true)
  })

  it('a replay killed mid-way and run again sends every record exactly once', async () => {
    const topic = `it-dlq-kill-${Date.now()}`
    await createTopic(profile, topic)
    const {cwd, root} = workspace(profile)
    await writeDlq(openStore(root, 'ap-south-1'), topic, 100, 4)
    const child = spawn(process.execPath, [BIN, 'dlq', 'replay', '--yes', '--rate', '60', '--json'], {cwd, stdio: 'ignore'})
    await new Promise((r) => setTimeout(r, 4000))
    child.kill('SIGKILL')
    await new Promise((r) => child.on('close', r))
    const partial = await replayedCounts(profile, topic)
    expect(partial.size).to.be.greaterThan(0).and.lessThan(400)
    const rerun = json<ReplayJson>(await cdcctl(['dlq', 'replay', '--yes', '--json'], {cwd})).result
    expect(rerun.sent + rerun.recovered).to.be.at.least(400 - partial.size)
    const counts = await replayedCounts(profile, topic)
    expect(counts.size).to.equal(400)
    expect([...counts.entries()].filter(([, n]) => n !== 1)).to.deep.equal([])
    expect(json<ListJson>(await cdcctl(['dlq', 'list', '--json'], {cwd})).result.total).to.equal(0)
  })

  it('a run killed after Kafka acknowledged a batch but before its ledger write is not sent twice', async () => {
    // The state such a kill leaves: an intent for the batch, and the batch in Kafka with its run header.
    const topic = `it-dlq-intent-${Date.now()}`
    await createTopic(profile, topic)
    const {cwd, root} = workspace(profile)
    const store = openStore(root, 'ap-south-1')
    const records = await writeDlq(store, topic, 20, 1)
    const file = 'dlq/bronze/dt=2026-11-24/batch-0000000000-test.jsonl'
    const start = await withAdmin(profile.kafka.brokers, async (admin) => Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((o) => [String(o.partition), o.high])))
    const acked = records.slice(0, 8)
    const producer = (await kafkaClient(profile.kafka.brokers)).producer({idempotent: true})
    await producer.connect()
    await producer.send({topic, acks: -1, messages: acked.map((r) => ({key: r.key, value: 'sent before the kill', headers: {[HEADERS.originTopic]: r.topic, [HEADERS.originPartition]: String(r.partition), [HEADERS.originOffset]: String(r.offset), [HEADERS.replayRun]: 'replay-killed', [HEADERS.replayCount]: '1'}}))})
    await producer.disconnect()
    await store.write('dlq/_replayed/intents/replay-killed-000000.json', JSON.stringify({run: 'replay-killed', seq: 0, start: {[topic]: start}, items: records.slice(0, 10).map((r, line) => ({file, line, id: `${r.topic}:${r.partition}:${r.offset}`}))}))

    const res = json<ReplayJson>(await cdcctl(['dlq', 'replay', '--yes', '--json'], {cwd})).result
    expect(res).to.include({recovered: 8, sent: 12})
    const counts = await replayedCounts(profile, topic)
    expect(counts.size).to.equal(20)
    expect([...counts.values()].every((n) => n === 1)).to.equal(true)
    expect(json<ListJson>(await cdcctl(['dlq', 'list', '--json'], {cwd})).result.total).to.equal(0)
  })

  it('refuses records past --max-attempts unless forced', async () => {
    const topic = `it-dlq-attempts-${Date.now()}`
    await createTopic(profile, topic)
    const {cwd, root} = workspace(profile)
    await openStore(root, 'ap-south-1').write('dlq/bronze/dt=2026-11-25/batch-0000000001-x.jsonl', jsonl(dlqRecords(topic, 4, 0, {replay_count: 3})))
    const res = await cdcctl(['dlq', 'replay', '--yes', '--json'], {cwd})
    expect(json<ReplayJson>(res).result).to.include({sent: 0, skippedExhausted: 4})
    expect(res.stderr).to.contain('--force')
    expect(json<ReplayJson>(await cdcctl(['dlq', 'replay', '--yes', '--force', '--json'], {cwd})).result.sent).to.equal(4)
    const msgs = await readTopic(profile.kafka.brokers, topic, {from: 'beginning', idleMs: 3000})
    expect(msgs.every((m) => m.headers[HEADERS.replayCount] === '4')).to.equal(true)
  })

  it('a broker that is down gives a clear error and loses nothing', async () => {
    const {cwd, root} = workspace(profile)
    writeFileSync(join(cwd, 'cdcctl.config.json'), JSON.stringify({profiles: {local: {storage: {root}, stateDir: profile.stateDir, kafka: {brokers: ['127.0.0.1:1']}}}}))
    await writeDlq(openStore(root, 'ap-south-1'), 'cdc.db.users', 10, 1)
    const res = await cdcctl(['dlq', 'replay', '--yes'], {cwd})
    expect(res.code).to.equal(1)
    expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
    expect(res.stderr).to.contain('127.0.0.1:1')
    expect(json<ListJson>(await cdcctl(['dlq', 'list', '--json'], {cwd})).result.total).to.equal(10)
  })
})

describe('dead-letter queue on S3 (moto server), with the real broker', function () {
  this.timeout(180_000)
  let profile: Profile
  let moto: Moto

  before(async () => {
    profile = await localStack()
    moto = await startMoto()
  })

  // A failed before hook leaves these unset; the after hook then must not hide its error behind its own.
  after(async () => {
    await moto?.stop()
    if (profile) await deleteCreatedTopics(profile)
  })

  it('lists, exports and replays exactly once from s3://', async () => {
    const topic = `it-dlq-s3-${Date.now()}`
    await createTopic(profile, topic)
    const {S3Client, CreateBucketCommand} = await import('@aws-sdk/client-s3')
    const s3 = new S3Client({region: 'ap-south-1', endpoint: moto.url, forcePathStyle: true, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
    await s3.send(new CreateBucketCommand({Bucket: 'lake', CreateBucketConfiguration: {LocationConstraint: 'ap-south-1'}}))
    const {cwd} = workspace(profile, 's3://lake')
    const env = moto.env
    for (const [k, v] of Object.entries(env)) process.env[k] = v
    const written = await writeDlq(openStore('s3://lake', 'ap-south-1'), topic, 40, 3)
    expect(json<ListJson>(await cdcctl(['dlq', 'list', '--json'], {cwd, env})).result.total).to.equal(written.length)
    const out = join(cwd, 'all.jsonl')
    expect(json<{result: {records: number}}>(await cdcctl(['dlq', 'export', '--out', out, '--json'], {cwd, env})).result.records).to.equal(120)
    expect(json<ReplayJson>(await cdcctl(['dlq', 'replay', '--yes', '--json'], {cwd, env})).result.sent).to.equal(120)
    const counts = await replayedCounts(profile, topic)
    expect(counts.size).to.equal(120)
    expect([...counts.values()].every((n) => n === 1)).to.equal(true)
    expect(json<ListJson>(await cdcctl(['dlq', 'list', '--json'], {cwd, env})).result.total).to.equal(0)
    for (const k of Object.keys(env)) delete process.env[k]
  })
})

function readdir(root: string): string[] {
  return (readdirSync(root.replace('file://', ''), {recursive: true}) as string[]).sort()
}
