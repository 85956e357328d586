import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync} from 'node:fs'
import {isAbsolute, join} from 'node:path'

import {CdcError} from './errors'
import {PACKAGE_ROOT, runtimeDir} from './paths'

export interface SparkSubmit {
  cmd: string
  argv: string[]
  /** Where the script is in argv: spark-submit's options before it, the script's arguments after. */
  scriptIndex: number
  env: NodeJS.ProcessEnv
  /** A class-data archive this run writes when its JVM exits (tmp), to be moved where later runs read it (final). */
  archive?: {tmp: string; final: string}
}

/**
 * The driver JVM's class-data sharing (CDS) archive: the Spark, Iceberg and Kafka classes a job loads,
 * parsed and verified once and then mapped at start-up, which halves a local job's start
 * (bench/RESULTS.md, "Local job start-up"). The first run without one writes it at exit; it is keyed
 * on the jars, so a changed pin writes a new one. The JVM checks the archive against its class path
 * and runs without it if they differ, so a stale archive only costs the saving.
 */
function classDataSharing(cacheDir: string | undefined, jars: string[], runId: string): {options: string[]; archive?: SparkSubmit['archive']} {
  if (!cacheDir || process.env.CDC_SPARK_CDS === 'off') return {options: []}
  const key = createHash('sha256').update(jars.map((j) => `${j}:${statSync(j).size}`).join('\n')).update(process.env.JAVA_HOME ?? '').digest('hex').slice(0, 16)
  const final = join(cacheDir, `driver-${key}.jsa`)
  if (existsSync(final)) return {options: [`-XX:SharedArchiveFile=${final}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off']}
  mkdirSync(cacheDir, {recursive: true})
  const tmp = join(cacheDir, `driver-${key}.${runId}.jsa`)
  return {options: [`-XX:ArchiveClassesAtExit=${tmp}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off'], archive: {tmp, final}}
}

/**
 * How the local target runs a glue-jobs script (or a script given by its absolute path): the same file Glue runs, under spark-submit. The
 * pinned jars go on the driver's class path (local mode runs executors in the driver JVM), where
 * the class-data archive can hold their classes; `cacheDir` is where that archive is kept.
 */
export function sparkSubmitCommand(script: string, args: Record<string, string>, cacheDir?: string, runId = `${process.pid}`): SparkSubmit {
  const cmd = join(PACKAGE_ROOT, '.venv', 'bin', 'spark-submit')
  if (!existsSync(cmd)) throw new CdcError('Local Spark is not installed (.venv/bin/spark-submit is missing)', {code: 'RUNTIME_MISSING', exit: 2, actions: ['npm run bootstrap']})
  const jarsDir = runtimeDir('spark', 'lib')
  const jars = existsSync(jarsDir) ? readdirSync(jarsDir).filter((f) => f.endsWith('.jar')).sort().map((f) => join(jarsDir, f)) : []
  const cds = classDataSharing(jars.length > 0 ? cacheDir : undefined, jars, runId)
  const options = [
    '--master', process.env.CDC_SPARK_MASTER ?? 'local[2]',
    '--driver-memory', '2g',
    ...(jars.length > 0 ? ['--driver-class-path', jars.join(':')] : []),
    ...(cds.options.length > 0 ? ['--driver-java-options', cds.options.join(' ')] : []),
    // s3:// through Hadoop's S3A (hadoop-aws in runtime/spark/pom.xml), as Glue 6.0 reads it: the
    // streaming checkpoint and the DLQ files of a job whose storage root is on S3.
    '--conf', 'spark.hadoop.fs.s3.impl=org.apache.hadoop.fs.s3a.S3AFileSystem',
  ]
  const argv = [...options, isAbsolute(script) ? script : join(PACKAGE_ROOT, 'glue-jobs', script), ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v])]
  // cdc_lake is imported from glue-jobs/, as Glue imports it from --extra-py-files.
  const env = {...process.env, PYTHONPATH: join(PACKAGE_ROOT, 'glue-jobs'), PYSPARK_PYTHON: join(PACKAGE_ROOT, '.venv', 'bin', 'python'), SPARK_LOCAL_IP: '127.0.0.1'}
  return {cmd, argv, scriptIndex: options.length, env, archive: cds.archive}
}

/**
 * Start a spark-submit detached, as the leader of its own process group, its output appended to
 * `logFile`; the pid. The status file appears only once spark-submit has exited, whoever is waiting by
 * then; a class-data archive the run wrote at exit is moved where the next runs read it (first one wins).
 */
export function spawnSubmit(submit: SparkSubmit, logFile: string, exitFile: string): number {
  const fd = openSync(logFile, 'a')
  const child = spawn('bash', ['-c', '"$@"; s=$?; if [ "$s" = 0 ] && [ -s "$CDC_CDS_TMP" ]; then mv -n "$CDC_CDS_TMP" "$CDC_CDS_FINAL"; fi; rm -f "$CDC_CDS_TMP"; echo $s > "$CDC_EXIT_FILE"', 'job', submit.cmd, ...submit.argv], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: {...submit.env, CDC_EXIT_FILE: exitFile, CDC_CDS_TMP: submit.archive?.tmp ?? '', CDC_CDS_FINAL: submit.archive?.final ?? ''},
  })
  closeSync(fd)
  child.unref()
  return child.pid as number
}
