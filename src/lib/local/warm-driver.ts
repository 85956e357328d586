import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {catalog, type Provided} from '../catalog'
import {PACKAGE_ROOT} from '../paths'
import {type SparkSubmit, sparkSubmitCommand, spawnSubmit} from '../spark'
import {groupAlive, pidAlive} from './process'

/** A started warm driver: its process group leader, the token its processes carry, its log and exit-status files. */
export interface WarmDriver {
  token: string
  pid: number
  key: string
  log: string
  exit: string
}

const SCRIPT = join(PACKAGE_ROOT, 'runtime', 'spark', 'warm_driver.py')
// The environment a driver's JVM and Python keep from the moment they start: a run with another one
// (another endpoint, another verbosity) must not be handed a driver started under the old one.
const KEYED_ENV = /^(CDC_|CDCCTL_|AWS_|SPARK_|PYSPARK_|PYTHON|JAVA_|HADOOP_|PG)/

/** The name of the argument every job takes for a value the target provides (the storage root, the catalog). */
function argumentName(provided: Provided): string {
  const found = Object.entries(catalog().job_arguments).find(([, spec]) => spec.provided === provided)
  if (!found) throw new Error(`pipeline.yaml: no common job argument takes ${provided}`)
  return found[0]
}

const warmDir = (stateDir: string): string => join(stateDir, 'jobs', 'warm')

function drivers(dir: string): WarmDriver[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    try {
      return [JSON.parse(readFileSync(join(dir, f), 'utf8')) as WarmDriver]
    } catch {
      return [] // being written
    }
  })
}

const idle = (dir: string, d: WarmDriver): boolean => existsSync(join(dir, `${d.token}.idle`))

const alive = (d: WarmDriver): boolean => !existsSync(d.exit) && (pidAlive(d.pid, d.token) || groupAlive(d.pid, d.token))

/** Retire an unclaimed driver: without its `.idle` file a waiting driver exits. */
function remove(dir: string, d: WarmDriver): void {
  for (const ext of ['json', 'idle', 'log', 'exit']) rmSync(join(dir, `${d.token}.${ext}`), {force: true})
}

/** Stop every unclaimed driver (`cdcctl local down`); a claimed one is a run, stopped with `job stop`. */
export function stopIdleDrivers(stateDir: string): number {
  const dir = warmDir(stateDir)
  let stopped = 0
  for (const d of drivers(dir).filter((x) => idle(dir, x))) {
    remove(dir, d)
    try {
      process.kill(-d.pid, 'SIGTERM')
      stopped++
    } catch {
      // already gone
    }
  }
  return stopped
}

/**
 * The local target's warm drivers (profile `spark.warmDriver`): a spark-submit of
 * runtime/spark/warm_driver.py started ahead of the next `cdcctl job run`, which claims it instead of
 * paying a JVM, pyspark and Iceberg catalog start (bench/RESULTS.md, "Local job start-up"). A claimed
 * driver runs one job and exits, so a run stays one process group; each claim starts the next driver.
 *
 * Files under {stateDir}/jobs/warm, per driver token: `.json` (an unclaimed driver's record), `.idle`
 * (renamed to `.taken` by the one run that claims it, or to `.retired` by the driver itself after an
 * hour unclaimed), `.claim` (that run's script and arguments; the driver removes it and `.taken` once
 * read), `.log` and `.exit` (the run's log and exit status, which the run's own files link to).
 */
export class WarmDrivers {
  private readonly dir: string

  constructor(stateDir: string, private readonly cacheDir: string, private readonly storageRoot: string) {
    this.dir = warmDir(stateDir)
  }

  /**
   * What a driver must share with a run to serve it: spark-submit's options, the keyed environment and
   * the catalog and warehouse its session opened (a session keeps the catalog it loaded first).
   */
  private key(submit: SparkSubmit): string {
    const at = submit.scriptIndex
    const arg = (name: string): string | undefined => {
      const i = submit.argv.indexOf(`--${name}`, at)
      return i > 0 ? submit.argv[i + 1] : undefined
    }
    const options = submit.argv.slice(0, at)
    const javaOptions = options.indexOf('--driver-java-options')
    // the class-data archive options differ only in whether this run writes the archive or reads it
    if (javaOptions >= 0) options.splice(javaOptions, 2)
    const env = Object.entries(submit.env).filter(([k]) => KEYED_ENV.test(k)).sort(([a], [b]) => a.localeCompare(b))
    return createHash('sha256').update(JSON.stringify([submit.cmd, options, env, arg(argumentName('storage_root')), arg(argumentName('catalog')) ?? 'local'])).digest('hex').slice(0, 16)
  }

  /**
   * Hand a live, unclaimed driver that can serve this run its script and arguments; undefined when
   * there is none (the run starts cold). A driver still starting is claimed too: it is ahead of a cold
   * start. The claimed driver's record goes: the run's record holds its pid and token.
   */
  claim(submit: SparkSubmit): WarmDriver | undefined {
    const key = this.key(submit)
    const at = submit.scriptIndex
    for (const d of drivers(this.dir)) {
      if (d.key !== key || !idle(this.dir, d)) continue
      if (!alive(d)) {
        remove(this.dir, d)
        continue
      }
      try {
        renameSync(join(this.dir, `${d.token}.idle`), join(this.dir, `${d.token}.taken`))
      } catch {
        continue // another run claimed it first
      }
      const claim = join(this.dir, `${d.token}.claim`)
      writeFileSync(`${claim}.tmp`, JSON.stringify({script: submit.argv[at], argv: submit.argv.slice(at + 1)}), {mode: 0o600})
      renameSync(`${claim}.tmp`, claim)
      rmSync(join(this.dir, `${d.token}.json`), {force: true})
      return d
    }
    return undefined
  }

  /**
   * Have one unclaimed driver starting or waiting for the next run: start one unless there is one
   * (the started one, if so). Drivers that can no longer serve a run (another key, or dead) retire,
   * and the records of those that retired by themselves (an hour unclaimed) go.
   */
  ensure(): WarmDriver | undefined {
    const token = `warm-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
    const submit = sparkSubmitCommand(SCRIPT, {token, dir: this.dir, [argumentName('storage_root')]: this.storageRoot}, this.cacheDir, token)
    const key = this.key(submit)
    let ready = false
    for (const d of drivers(this.dir)) {
      const live = alive(d)
      if (idle(this.dir, d) && d.key === key && live) ready = true
      // a record without its .idle file is a claim under way (alive), or a driver that retired on time
      else if (idle(this.dir, d) || !live) remove(this.dir, d)
    }
    if (ready) return undefined
    mkdirSync(this.dir, {recursive: true})
    const base = join(this.dir, token)
    writeFileSync(`${base}.idle`, '')
    const d: WarmDriver = {token, key, pid: 0, log: `${base}.log`, exit: `${base}.exit`}
    d.pid = spawnSubmit(submit, d.log, d.exit)
    writeFileSync(`${base}.json`, JSON.stringify(d, null, 2))
    return d
  }
}
