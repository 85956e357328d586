import {existsSync, mkdirSync, renameSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

import {catalog} from './catalog'
import {CdcError, firstLine} from './errors'

/**
 * Amazon RDS's CA bundle, which every client verifies the database against (verify-full): kept at
 * `file` (the profile's postgres.caFile), fetched from AWS's trust store the first time it is needed.
 */
export async function ensureRdsCaBundle(file: string): Promise<string> {
  if (existsSync(file)) return file
  const url = catalog().tls.rds_ca_bundle_url
  let pem: string
  try {
    const res = await fetch(url, {signal: AbortSignal.timeout(20_000)})
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    pem = await res.text()
  } catch (error) {
    throw new CdcError(`The RDS CA bundle is not at ${file} and could not be fetched from ${url}: ${firstLine((error as Error).message)}`, {
      code: 'RDS_CA_MISSING',
      actions: [`download ${url} to ${file}`, 'or set postgres.caFile to a copy of it'],
    })
  }
  if (!pem.includes('BEGIN CERTIFICATE')) throw new CdcError(`${url} did not return PEM certificates`, {code: 'RDS_CA_MISSING', actions: [`download ${url} to ${file} by hand`]})
  mkdirSync(dirname(file), {recursive: true})
  writeFileSync(`${file}.tmp`, pem)
  renameSync(`${file}.tmp`, file)
  return file
}
