import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Profile} from '../config'
import {CdcError} from '../errors'
import {runtimeDir} from '../paths'
import {type ComponentName, componentDir, logFileOf} from './component'
import {pidAlive, readPid, removeFile, startDetached, stopPid} from './process'

/** Kafka's log4j2 setup for the local broker and worker: warnings and above, to the component's log. */
const LOG4J2 = `rootLogger.level=INFO
rootLogger.appenderRef.out.ref=out
appender.out.type=Console
appender.out.name=out
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=WARN
logger.clients.name=org.apache.kafka
logger.clients.level=WARN
logger.reflections.name=org.reflections
logger.reflections.level=ERROR
`

export const kafkaClasspath = (): string => {
  const lib = runtimeDir('kafka', 'lib')
  if (!existsSync(lib)) throw new CdcError('The Kafka runtime jars are not installed', {code: 'RUNTIME_MISSING', actions: ['npm run bootstrap']})
  return `${lib}/*`
}

export function writeProperties(file: string, props: Record<string, string | number>): void {
  writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n')
}

/** A JVM process of the local stack (broker or Connect worker), tracked by its pid file. */
export abstract class JvmComponent {
  abstract readonly name: ComponentName
  readonly logFile: string

  constructor(protected readonly profile: Profile) {
    this.logFile = logFileOf(profile, this.componentName())
  }

  protected abstract componentName(): ComponentName

  protected dir(...parts: string[]): string {
    return componentDir(this.profile, this.componentName(), ...parts)
  }

  private get pidFile(): string {
    return this.dir('pid')
  }

  pid(): number | undefined {
    return readPid(this.pidFile)
  }

  running(): boolean {
    const pid = this.pid()
    return pid !== undefined && pidAlive(pid, this.profile.stateDir)
  }

  protected launch(mainClass: string, args: string[], heap: string): void {
    mkdirSync(this.dir(), {recursive: true})
    const log4j = this.dir('log4j2.properties')
    writeFileSync(log4j, LOG4J2)
    startDetached('java', [`-Xmx${heap}`, `-Dlog4j2.configurationFile=${log4j}`, `-Dcdcctl.state=${this.profile.stateDir}`, '-cp', kafkaClasspath(), mainClass, ...args], {
      logFile: this.logFile,
      pidFile: this.pidFile,
    })
  }

  async stop(): Promise<void> {
    const pid = this.pid()
    if (pid !== undefined && pidAlive(pid, this.profile.stateDir)) await stopPid(pid)
    removeFile(this.pidFile)
  }

  protected ensureDir(path: string): string {
    mkdirSync(path, {recursive: true})
    return join(path)
  }
}
