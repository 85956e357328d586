// Operations of the fault drills that go through the CLI's own modules (dist/, built by npm run build):
//   node stack_ops.js <repo> broker-default-delay   restart the local broker with Kafka's default
//        group.initial.rebalance.delay.ms (3 s, as AWS's keeps it; the local stack sets 0)
//   node stack_ops.js <repo> broker-start-default-delay   start it so (after a SIGKILL)
//   node stack_ops.js <repo> broker-local   restart it as `cdcctl local up` starts it
//   node stack_ops.js <repo> replayed <topic> <from-json>   origin id -> times replayed, from the offsets on
const [repo, op, ...args] = process.argv.slice(2)
const {loadProfile} = require(`${repo}/dist/lib/config`)
const {KafkaComponent} = require(`${repo}/dist/lib/local/kafka`)
const {readRange} = require(`${repo}/dist/lib/kafka-range`)
const {poll} = require(`${repo}/dist/lib/poll`)

const profile = loadProfile({cwd: repo})

async function startBroker(restart, overrides = {'group.initial.rebalance.delay.ms': null}) {
  const broker = new KafkaComponent(profile, overrides)
  if (restart && broker.running()) await broker.stop()
  if (!broker.running()) await broker.start()
  await poll(async () => broker.running() && (await broker.ready()), (ok) => ok, {timeoutMs: 90000, intervalMs: 500, onTimeout: () => new Error('the broker did not come back')})
  return {pid: broker.pid()}
}

async function replayed(topic, from) {
  const counts = {}
  for (const m of await readRange(profile.kafka.brokers, topic, JSON.parse(from))) {
    if (!m.headers['cdc.replay.run']) continue
    const id = `${m.headers['cdc.origin.topic']}:${m.headers['cdc.origin.partition']}:${m.headers['cdc.origin.offset']}`
    counts[id] = (counts[id] || 0) + 1
  }
  return counts
}

const ops = {
  'broker-default-delay': () => startBroker(true),
  'broker-start-default-delay': () => startBroker(false),
  'broker-local': () => startBroker(true, {}),
  replayed: () => replayed(args[0], args[1]),
}
ops[op]().then((out) => process.stdout.write(JSON.stringify(out)), (error) => {
  process.stderr.write(`${error.message}\n`)
  process.exit(1)
})
