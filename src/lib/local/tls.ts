import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {run} from './process'

/** The local certificate authority: what cdcctl, Debezium and the data-quality job verify the local Postgres against. */
export const localCaFile = (stateDir: string): string => join(stateDir, 'tls', 'ca.pem')

export interface ServerTls {
  certFile: string
  keyFile: string
}

/**
 * TLS for the local Postgres, so every client verifies it as on RDS (verify-full): a CA of this
 * checkout (kept in {stateDir}/tls, its key 0600) and a server certificate for 127.0.0.1, localhost
 * and `postgres` (the compose stack's host name) signed by it, made once with openssl.
 */
export function ensureLocalTls(stateDir: string, serverDir: string): ServerTls {
  const dir = join(stateDir, 'tls')
  const ca = localCaFile(stateDir)
  const caKey = join(dir, 'ca.key')
  mkdirSync(dir, {recursive: true, mode: 0o700})
  if (!existsSync(ca) || !existsSync(caKey)) {
    run('openssl (local CA)', 'openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '3650', '-subj', '/CN=cdcctl local CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  }
  const tls = {certFile: join(serverDir, 'server.crt'), keyFile: join(serverDir, 'server.key')}
  if (!existsSync(tls.certFile) || !existsSync(tls.keyFile)) {
    const csr = join(serverDir, 'server.csr')
    const ext = join(serverDir, 'server.ext')
    writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:postgres\nextendedKeyUsage=serverAuth\n')
    try {
      run('openssl (server key)', 'openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', tls.keyFile, '-out', csr, '-subj', '/CN=127.0.0.1'])
      run('openssl (server certificate)', 'openssl', ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', tls.certFile, '-days', '3650', '-extfile', ext])
    } finally {
      rmSync(csr, {force: true})
      rmSync(ext, {force: true})
    }
  }
  return tls
}
