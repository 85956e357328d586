import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'

import {CdcError} from './errors'
import {PACKAGE_ROOT, runtimeDir} from './paths'

/** How the local target runs a glue-jobs script: the same file Glue runs, under spark-submit. */
export function sparkSubmitCommand(script: string, args: Record<string, string>): {cmd: string; argv: string[]; env: NodeJS.ProcessEnv} {
  const cmd = join(PACKAGE_ROOT, '.venv', 'bin', 'spark-submit')
  if (!existsSync(cmd)) throw new CdcError('Local Spark is not installed (.venv/bin/spark-submit is missing)', {code: 'RUNTIME_MISSING', exit: 2, actions: ['npm run bootstrap']})
  const jarsDir = runtimeDir('spark', 'lib')
  const jars = existsSync(jarsDir) ? readdirSync(jarsDir).filter((f) => f.endsWith('.jar')).map((f) => join(jarsDir, f)) : []
  const argv = [
    '--master', process.env.CDC_SPARK_MASTER ?? 'local[2]',
    '--driver-memory', '2g',
    ...(jars.length > 0 ? ['--jars', jars.join(',')] : []),
    // s3:// through Hadoop's S3A (hadoop-aws in runtime/spark/pom.xml), as Glue 6.0 reads it: the
    // streaming checkpoint and the DLQ files of a job whose storage root is on S3.
    '--conf', 'spark.hadoop.fs.s3.impl=org.apache.hadoop.fs.s3a.S3AFileSystem',
    join(PACKAGE_ROOT, 'glue-jobs', script),
    ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v]),
  ]
  // cdc_lake is imported from glue-jobs/, as Glue imports it from --extra-py-files.
  const env = {...process.env, PYTHONPATH: join(PACKAGE_ROOT, 'glue-jobs'), PYSPARK_PYTHON: join(PACKAGE_ROOT, '.venv', 'bin', 'python'), SPARK_LOCAL_IP: '127.0.0.1'}
  return {cmd, argv, env}
}
