import {existsSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

/** Where cdcctl itself is installed: runtime/, scripts/ and glue-jobs/ live here. */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..')

export const CONFIG_FILES = ['cdcctl.config.json', 'cdcctl.config.yaml', 'cdcctl.config.yml']

/** The nearest directory at or above `from` holding a cdcctl config file, if any. */
export function findConfigFile(from: string = process.cwd()): string | undefined {
  let dir = resolve(from)
  for (;;) {
    for (const name of CONFIG_FILES) {
      const candidate = join(dir, name)
      if (existsSync(candidate)) return candidate
    }
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

export const runtimeDir = (...parts: string[]): string => join(PACKAGE_ROOT, 'runtime', ...parts)
