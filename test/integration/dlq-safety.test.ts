import {expect} from 'chai'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Profile} from '../../src/lib/config'
import {HEADERS} from '../../src/lib/dlq/replay'
import {type DlqRecord} from '../../src/lib/dlq/record'
import {kafkaClient, withAdmin} from '../../src/lib/kafka'
import {readRange} from '../../src/lib/kafka-range'
import {openStore, type ObjectStore} from '../../src/lib/storage'
import {type ExtraBroker, startDefaultDelayBroker} from '../helpers/broker'
import {cdcctl, isOneLineError, json} from '../helpers/cli'
import {dlqRecords, jsonl} from '../helpers/dlq'
import {localStack} from '../helpers/stack'

type ListJson = {result: {total: number}; warnings: string[]}
type ReplayJson = {result: {sent: number; selected: number; recovered: number; alreadyReplayed: number; archivedFiles: string[]}; warnings: string[]}

const FILE = 'dlq/bronze/dt=2026-11-24/batch-0000000000-test.jsonl'

/** A working directory whose config points cdcctl at a fresh storage root (and, optionally, other brokers). */
function workspace(profile: Profile, brokers?: string[]): {cwd: string; root: string; dir: string} {
  const cwd = mkdtempSync(join(tmpdir(), 'cdcctl-dlqsafe-'))
  const dir = join(cwd, 'lake')
  const local: Record<string, unknown> = {storage: {root: `file://${dir}`}, stateDir: profile.stateDir, ports: profile.ports}
  if (brokers) local.kafka = {brokers}
  writeFileSync(join(cwd, 'cdcctl.config.json'), JSON.stringify({profiles: {local}}))
  return {cwd, root: `file://${dir}`, dir}
}

async function createTopic(brokers: string[], topic: string): Promise<void> {
  await withAdmin(brokers, (admin) => admin.createTopics({waitForLeaders: true, topics: [{topic, numPartitions: 3}]}))
}

async function endOffsets(brokers: string[], topic: string): Promise<Record<string, string>> {
  return withAdmin(brokers, async (admin) => Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((o) => [String(o.partition), o.high])))
}

/** How often each origin arrived in a topic, read by assignment from the beginning to the current end. */
async function replayedCounts(brokers: string[], topic: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  const from = Object.fromEntries(Object.keys(await endOffsets(brokers, topic)).map((p) => [p, '0']))
  for (const m of await readRange(brokers, topic, from)) {
    const id = `${m.headers[HEADERS.originTopic]}:${m.headers[HEADERS.originPartition]}:${m.headers[HEADERS.originOffset]}`
    counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}

async function writeDlq(store: ObjectStore, topic: string, n: number, file = FILE): Promise<DlqRecord[]> {
  const records = dlqRecords(topic, n)
  await store.write(file, jsonl(records))
  return records
}

describe('DLQ replay recovery on a broker with Kafka\'s default group.initial.rebalance.delay.ms', function () {
  this.timeout(240_000)
  let profile: Profile
  let broker: ExtraBroker | undefined

  before(async () => {
    profile = await localStack()
    broker = await startDefaultDelayBroker()
  })

  after(async () => {
    await broker?.stop()
  })

  it('finds the batch a killed run got acknowledged, records it and sends only the rest', async () => {
    const brokers = (broker as ExtraBroker).brokers
    const topic = `it-dlq-delay-${Date.now()}`
    await createTopic(brokers, topic)
    const {cwd, root} = workspace(profile, brokers)
    const store = openStore(root, 'ap-south-1')
    const records = await writeDlq(store, topic, 20)
    // The state a kill between the acknowledgement and the ledger write leaves: an intent, and its batch in Kafka.
    const start = await endOffsets(brokers, topic)
    const acked = records.slice(0, 8)
    const producer = (await kafkaClient(brokers)).producer({idempotent: true})
    await producer.connect()
    await producer.send({topic, acks: -1, messages: acked.map((r) => ({key: r.key, value: 'sent before the kill', headers: {[HEADERS.originTopic]: r.topic, [HEADERS.originPartition]: String(r.partition), [HEADERS.originOffset]: String(r.offset), [HEADERS.replayRun]: 'replay-killed', [HEADERS.replayCount]: '1'}}))})
    await producer.disconnect()
    await store.write('dlq/_replayed/intents/replay-killed-000000.json', JSON.stringify({run: 'replay-killed', seq: 0, start: {[topic]: start}, items: records.slice(0, 10).map((r, line) => ({file: FILE, line, id: `${r.topic}:${r.partition}:${r.offset}`}))}))

    const res = json<ReplayJson>(await cdcctl(['dlq', 'replay', '--yes', '--json'], {cwd})).result
    expect(res, 'recovery must find the 8 acknowledged records').to.include({recovered: 8, sent: 12})
    const counts = await replayedCounts(brokers, topic)
    expect([...counts.entries()].filter(([, n]) => n !== 1), 'records sent more than once').to.deep.equal([])
    expect(counts.size).to.equal(20)
  })
})

describe('DLQ safety on the local storage root, with the real broker', function () {
  this.timeout(180_000)
  let profile: Profile
  const topics: string[] = []

  before(async () => {
    profile = await localStack()
  })

  after(async () => {
    if (topics.length > 0) await withAdmin(profile.kafka.brokers, (admin) => admin.deleteTopics({topics}))
  })

  const newTopic = async (name: string): Promise<string> => {
    const topic = `it-dlq-${name}-${Date.now()}`
    await createTopic(profile.kafka.brokers, topic)
    topics.push(topic)
    return topic
  }

  it('replays a corrected file once: a second run sends nothing', async () => {
    const topic = await newTopic('twice')
    const {cwd, root} = workspace(profile)
    await writeDlq(openStore(root, 'ap-south-1'), topic, 6)
    const fixed = join(cwd, 'fixed.jsonl')
    json(await cdcctl(['dlq', 'export', '--out', fixed, '--json'], {cwd}))
    writeFileSync(fixed, readFileSync(fixed, 'utf8').split('\n').filter(Boolean).map((l) => JSON.stringify({...(JSON.parse(l) as DlqRecord), value: '{"corrected":true}', encoding: 'utf8'})).join('\n') + '\n')
    const first = json<ReplayJson>(await cdcctl(['dlq', 'replay', '--from-file', fixed, '--yes', '--json'], {cwd})).result
    expect(first).to.include({sent: 6})
    const second = json<ReplayJson>(await cdcctl(['dlq', 'replay', '--from-file', fixed, '--yes', '--json'], {cwd}))
    expect(second.result).to.include({sent: 0, alreadyReplayed: 6})
    expect(second.warnings.join('\n')).to.contain('were not sent again')
    // a hand-written file without DLQ positions: also once per (file, line, origin)
    const hand = join(cwd, 'hand.jsonl')
    writeFileSync(hand, jsonl(dlqRecords(topic, 3, 100)))
    expect(json<ReplayJson>(await cdcctl(['dlq', 'replay', '--from-file', hand, '--yes', '--json'], {cwd})).result.sent).to.equal(3)
    expect(json<ReplayJson>(await cdcctl(['dlq', 'replay', '--from-file', hand, '--yes', '--json'], {cwd})).result.sent).to.equal(0)
    const counts = await replayedCounts(profile.kafka.brokers, topic)
    expect(counts.size).to.equal(9)
    expect([...counts.values()].every((n) => n === 1)).to.equal(true)
  })

  it('refuses a corrected file whose dlq_file points outside the DLQ, and deletes nothing', async () => {
    const topic = await newTopic('traversal')
    const {cwd, root, dir} = workspace(profile)
    await writeDlq(openStore(root, 'ap-south-1'), topic, 2)
    const victim = join(cwd, 'victim.txt')
    writeFileSync(victim, 'precious\n')
    mkdirSync(join(dir, 'iceberg'), {recursive: true})
    const inLake = join(dir, 'iceberg', 'v1.metadata.json')
    writeFileSync(inLake, '{"table":"precious"}\n')
    const record = dlqRecords(topic, 1)[0]
    for (const dlqFile of ['../victim.txt', 'dlq/bronze/../../../victim.txt', '/etc/hostname', 'iceberg/v1.metadata.json']) {
      const crafted = join(cwd, 'crafted.jsonl')
      writeFileSync(crafted, JSON.stringify({...record, dlq_file: dlqFile, dlq_line: 0}) + '\n')
      const res = await cdcctl(['dlq', 'replay', '--from-file', crafted, '--yes'], {cwd})
      expect(res.code, `${dlqFile}: ${res.stderr}`).to.equal(2)
      expect(isOneLineError(res.stderr), res.stderr).to.equal(true)
      expect(res.stderr).to.contain('dlq_file')
    }
    expect(readFileSync(victim, 'utf8')).to.equal('precious\n')
    expect(existsSync(inLake)).to.equal(true)
    expect((await replayedCounts(profile.kafka.brokers, topic)).size).to.equal(0)
  })

  it('checks a whole corrected file before it sends any of it: a bad last line sends nothing', async () => {
    const topic = await newTopic('badtail')
    const {cwd} = workspace(profile)
    const file = join(cwd, 'fixed.jsonl')
    // --rate 1 sends one record per batch: the good lines would go out before the bad one is read
    writeFileSync(file, jsonl(dlqRecords(topic, 3, 200)) + '{"topic": \n')
    const res = await cdcctl(['dlq', 'replay', '--from-file', file, '--yes', '--rate', '1'], {cwd})
    expect(res.code, res.stderr).to.equal(2)
    expect(res.stderr).to.contain('fixed.jsonl line 4 is not JSON')
    expect((await replayedCounts(profile.kafka.brokers, topic)).size).to.equal(0)
  })

  it('refuses a corrected record whose dlq_line holds another record', async () => {
    const topic = await newTopic('origin')
    const {cwd, root} = workspace(profile)
    const records = await writeDlq(openStore(root, 'ap-south-1'), topic, 3)
    const crafted = join(cwd, 'crafted.jsonl')
    // record 0, claiming to be line 2 (record 2's line): replaying it must not mark record 2 as replayed
    writeFileSync(crafted, JSON.stringify({...records[0], dlq_file: FILE, dlq_line: 2}) + '\n')
    const res = await cdcctl(['dlq', 'replay', '--from-file', crafted, '--yes'], {cwd})
    expect(res.code, res.stderr).to.equal(2)
    expect(res.stderr).to.contain('line 3 holds')
    expect(json<ListJson>(await cdcctl(['dlq', 'list', '--json'], {cwd})).result.total).to.equal(3)
  })

  it('keeps the storage root\'s keys inside it', async () => {
    const {root} = workspace(profile)
    const store = openStore(root, 'ap-south-1')
    for (const key of ['../x', 'dlq/../../x', '/etc/hostname', 'a//b', 'dlq/./x']) {
      await store.read(key).then(() => expect.fail(`read ${key}`), (error: Error) => expect(error.message).to.match(/storage root/))
      await store.delete(key).then(() => expect.fail(`delete ${key}`), (error: Error) => expect(error.message).to.match(/storage root/))
    }
  })

  it('serves the rest when a DLQ line, a ledger chunk or an intent is truncated, naming each', async () => {
    const topic = await newTopic('truncated')
    const {cwd, root} = workspace(profile)
    const store = openStore(root, 'ap-south-1')
    const good = dlqRecords(topic, 4)
    await store.write(FILE, jsonl(good) + JSON.stringify(dlqRecords(topic, 1, 50)[0]).slice(0, 40))
    const other = 'dlq/bronze/dt=2026-11-25/batch-0000000001-test.jsonl'
    await store.write(other, jsonl(dlqRecords(topic, 2, 10)))
    const ledgered = 'dlq/bronze/dt=2026-11-25/batch-0000000002-test.jsonl'
    await store.write(ledgered, jsonl(dlqRecords(topic, 2, 20)))
    const {createHash} = await import('node:crypto')
    await store.write(`dlq/_replayed/ledger/${createHash('sha256').update(ledgered).digest('hex').slice(0, 16)}/replay-x-000000.json`, '{"file":"x","run":"replay-x","lines":[0,')
    await store.write('dlq/_replayed/intents/replay-y-000000.json', '{"run":"replay-y","seq":0,"items":[{"fi')

    const list = await cdcctl(['dlq', 'list', '--json'], {cwd})
    const listed = json<ListJson>(list)
    expect(listed.result.total, list.stderr).to.equal(6)
    expect(listed.warnings.join('\n')).to.contain(`${FILE} line 5 is not JSON`)
    expect(listed.warnings.join('\n')).to.contain(`of DLQ file ${ledgered} is unreadable`)

    const replayed = json<ReplayJson>(await cdcctl(['dlq', 'replay', '--yes', '--json'], {cwd}))
    expect(replayed.result.sent).to.equal(6)
    expect(replayed.warnings.join('\n')).to.contain('replay-y-000000.json is unreadable')
    expect(await store.exists('dlq/_replayed/quarantine/dlq/_replayed/intents/replay-y-000000.json')).to.equal(true)
    expect(await store.exists(FILE), 'a file with an unreplayable line stays active').to.equal(true)
  })

  it('serves the rest of the data-quality history when a report is truncated or not a report', async () => {
    const {cwd, root} = workspace(profile)
    const store = openStore(root, 'ap-south-1')
    const report = (id: string): string => JSON.stringify({run_id: id, started_at: `2026-11-25T10:00:0${id.slice(-1)}Z`, finished_at: '2026-11-25T10:01:00Z', passed: true, rules: [{name: 'r', type: 'scd2', table: 't', severity: 'fail', status: 'pass', observed: 0, expected: 0, sample_keys: [], message: ''}]})
    await store.write('dq/results/run-1.json', report('run-1'))
    await store.write('dq/results/run-2.json', report('run-2').slice(0, 50))
    await store.write('dq/results/run-3.json', 'null')
    await store.write('dq/results/run-4.json', report('run-4'))
    const res = await cdcctl(['dq', 'history', '--json'], {cwd})
    const out = json<{result: {runs: {runId: string}[]}; warnings: string[]}>(res)
    expect(out.result.runs.map((r) => r.runId)).to.deep.equal(['run-4', 'run-1'])
    expect(out.warnings.join('\n')).to.contain('dq/results/run-2.json is not JSON')
    expect(out.warnings.join('\n')).to.contain('dq/results/run-3.json is not a data-quality report')
  })

  it('says that a storage root that does not exist does not exist', async () => {
    const {cwd, dir} = workspace(profile)
    for (const args of [['dlq', 'list'], ['dlq', 'inspect'], ['dq', 'history']]) {
      const res = await cdcctl(args, {cwd})
      expect(res.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).to.equal(2)
      expect(res.stderr).to.contain(`The storage root file://${dir} does not exist`)
      expect(res.stdout).to.not.contain('empty')
    }
  })
})
