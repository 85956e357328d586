import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {catalog} from '../catalog'
import {PACKAGE_ROOT} from '../paths'
import {ensureRdsCaBundle} from '../rds-ca'
import {type ObjectStore, readText} from '../storage'
import {deterministicZip} from './zip'

export const MANIFEST_KEY = 'scripts/.manifest.json'

export interface Artifact {
  key: string
  body: Buffer
}

export interface UploadResult {
  uploaded: string[]
  unchanged: string[]
}

const pyFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.py')).sort() : [])

/** What the lake's scripts/ and dags/ should hold: the Glue entry scripts, the cdc_lake zip and the Airflow DAGs. */
export function collectArtifacts(root: string = PACKAGE_ROOT): Artifact[] {
  const jobs = join(root, 'glue-jobs')
  const dags = join(root, 'airflow', 'dags')
  const artifacts: Artifact[] = pyFiles(jobs).map((f) => ({key: `scripts/${f}`, body: readFileSync(join(jobs, f))}))
  if (existsSync(join(jobs, 'cdc_lake'))) artifacts.push({key: 'scripts/cdc_lake.zip', body: deterministicZip(join(jobs, 'cdc_lake'), 'cdc_lake')})
  artifacts.push(...pyFiles(dags).map((f) => ({key: `dags/${f}`, body: readFileSync(join(dags, f))})))
  return artifacts
}

/** RDS's CA bundle for the Glue jobs that verify the source database (pipeline.yaml tls.job_ca_file). */
export async function rdsCaArtifact(caFile: string): Promise<Artifact> {
  return {key: `scripts/${catalog().tls.job_ca_file}`, body: readFileSync(await ensureRdsCaBundle(caFile))}
}

const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex')

async function readManifest(store: ObjectStore): Promise<Record<string, string>> {
  if (!(await store.exists(MANIFEST_KEY))) return {}
  const text = await readText(store, MANIFEST_KEY)
  try {
    return JSON.parse(text) as Record<string, string>
  } catch {
    return {}
  }
}

async function existingKeys(store: ObjectStore): Promise<Set<string>> {
  const keys = new Set<string>()
  for (const prefix of ['scripts/', 'dags/']) for await (const o of store.list(prefix)) keys.add(o.key)
  return keys
}

/**
 * Uploads only what changed: an artifact is skipped when the manifest holds its sha256 and the
 * object is still there. The manifest is written last, so an interrupted upload is redone next time.
 */
export async function uploadArtifacts(store: ObjectStore, artifacts: Artifact[], onUpload: (key: string) => void = () => undefined): Promise<UploadResult> {
  const [manifest, present] = await Promise.all([readManifest(store), existingKeys(store)])
  const result: UploadResult = {uploaded: [], unchanged: []}
  const next: Record<string, string> = {...manifest}
  for (const {key, body} of artifacts) {
    const sum = sha256(body)
    if (manifest[key] === sum && present.has(key)) {
      result.unchanged.push(key)
      continue
    }
    onUpload(key)
    await store.write(key, body)
    next[key] = sum
    result.uploaded.push(key)
  }
  if (result.uploaded.length > 0) await store.write(MANIFEST_KEY, JSON.stringify(next, Object.keys(next).sort(), 2) + '\n')
  return result
}
