import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'

import {expect} from 'chai'

import {ROOT} from '../helpers/cli'

const SRC = join(ROOT, 'src')

interface Edge {
  to: string
  /** `import type …`, or every name imported with `type`: erased at run time. */
  typeOnly: boolean
}

const walk = (dir: string): string[] => readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))

/** src/ module -> the src/ modules it imports (static and dynamic), relative paths without .ts. */
function importGraph(): Map<string, Edge[]> {
  const graph = new Map<string, Edge[]>()
  for (const file of walk(SRC)) {
    const text = readFileSync(file, 'utf8')
    const edges: Edge[] = []
    for (const m of text.matchAll(/^import\s+(type\s+)?([^;]*?)\s+from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/gm)) {
      const spec = m[3] ?? m[4]
      const names = m[2] ?? ''
      const typeOnly = Boolean(m[1]) || (/^\{[^}]*\}$/.test(names.trim()) && names.replace(/[{}]/g, '').split(',').every((n) => n.trim().startsWith('type ')))
      edges.push({to: relative(SRC, resolve(dirname(file), spec)), typeOnly})
    }
    graph.set(relative(SRC, file).replace(/\.ts$/, ''), edges)
  }
  return graph
}

/** Every module reachable from `start`, following run-time imports only. */
function runtimeClosure(graph: Map<string, Edge[]>, start: string): Set<string> {
  const seen = new Set<string>()
  const stack = [start]
  while (stack.length > 0) {
    const m = stack.pop() as string
    if (seen.has(m)) continue
    seen.add(m)
    for (const e of graph.get(m) ?? []) if (!e.typeOnly) stack.push(e.to)
  }
  return seen
}

describe('source structure', () => {
  const graph = importGraph()

  it('has no import circle (type imports included)', () => {
    const circles: string[] = []
    const state = new Map<string, 'done' | 'open'>()
    const visit = (m: string, path: string[]): void => {
      if (state.get(m) === 'done') return
      if (state.get(m) === 'open') {
        circles.push([...path.slice(path.indexOf(m)), m].join(' -> '))
        return
      }
      state.set(m, 'open')
      for (const e of graph.get(m) ?? []) visit(e.to, [...path, m])
      state.set(m, 'done')
    }
    for (const m of graph.keys()) visit(m, [])
    expect(circles).to.deep.equal([])
  })

  it('keeps the aws path free of lib/local: nothing the aws target runs imports it', () => {
    for (const start of ['lib/targets/aws', 'lib/jobs/glue-runner', 'lib/deploy/flow', 'lib/ecs', 'lib/notify']) {
      const local = [...runtimeClosure(graph, start)].filter((m) => m.startsWith('lib/local/'))
      expect(local, `${start} reaches`).to.deep.equal([])
    }
  })

  it('imports lib/local only from local-only modules', () => {
    const localOnly = (m: string): boolean => /^(lib\/local\/|lib\/targets\/local$|lib\/jobs\/local-runner$|commands\/local\/)/.test(m)
    const offenders = [...graph].filter(([m, edges]) => !localOnly(m) && edges.some((e) => !e.typeOnly && e.to.startsWith('lib/local/'))).map(([m]) => m)
    expect(offenders).to.deep.equal([])
  })

  it('asks which target it runs on only inside lib/targets', () => {
    const offenders = walk(SRC)
      // config.ts reads a profile's target from its name and checks it is one it knows
      .filter((f) => !f.includes(join('lib', 'targets')) && !f.endsWith(join('lib', 'config.ts')))
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => ({f, line, i})))
      .filter(({line}) => /\.name\s*[!=]==?\s*'(aws|local)'|\btarget\s*[!=]==?\s*'(aws|local)'|profile\.target\s*[!=]==/.test(line))
      .map(({f, i}) => `${relative(ROOT, f)}:${i + 1}`)
    expect(offenders).to.deep.equal([])
  })

  it('keeps commands thin: no exit codes, SQL, polling or prompts of their own', () => {
    const offenders = walk(join(SRC, 'commands')).flatMap((f) => {
      const text = readFileSync(f, 'utf8')
      return [/process\.exitCode/, /withPostgres|\.query\(/, /setTimeout|sleep\(/, /readline/].filter((p) => p.test(text)).map((p) => `${relative(ROOT, f)}: ${p.source}`)
    })
    expect(offenders).to.deep.equal([])
  })
})
