import {closeSync, createReadStream, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync} from 'node:fs'
import {dirname, isAbsolute, join, relative, resolve, sep} from 'node:path'
import type {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {fileURLToPath} from 'node:url'

import {CdcError, firstLine, usageError} from './errors'

export interface ObjectInfo {
  /** Path below the store's root, with `/` separators. */
  key: string
  size: number
  modified: Date
}

/**
 * One interface over the storage root of a target: a local directory (file://) or S3 (s3://).
 * Everything that touches {root}/dlq, {root}/dq or {root}/scripts goes through it.
 */
export interface ObjectStore {
  readonly root: string
  /** Every object under a prefix, in key order, fetched page by page. */
  list(prefix: string): AsyncIterable<ObjectInfo>
  /** A streaming read: large objects are never loaded whole. */
  read(key: string): Promise<Readable>
  /** Atomic: readers see the old object or the new one, never half of it. */
  write(key: string, body: Buffer | string): Promise<void>
  delete(key: string): Promise<void>
  exists(key: string): Promise<boolean>
  /** Copy an object, streamed (or server-side): never loaded whole. */
  copy(from: string, to: string): Promise<void>
  /** Fails with one line when the root itself is missing (a local directory that does not exist). */
  checkRoot(): Promise<void>
}

/**
 * A key is a relative path below the root: no empty, `.` or `..` segment, no leading `/` or `\`. A key
 * built from data (a DLQ record's dlq_file, say) can then never name anything outside the root.
 */
export function checkKey(key: string): string {
  const segments = key.split('/')
  if (key === '' || isAbsolute(key) || key.includes('\\') || key.includes('\0') || segments.some((s, i) => s === '..' || s === '.' || (s === '' && i < segments.length - 1))) {
    throw new CdcError(`"${key}" is not a key below the storage root (relative, no . or .. segments)`, {code: 'BAD_KEY', exit: 2})
  }
  return key
}

/** A whole (small) object as UTF-8 text: reports, manifests, ledger chunks. */
export async function readText(store: ObjectStore, key: string): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of await store.read(key)) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

class LocalStore implements ObjectStore {
  private readonly dir: string

  constructor(readonly root: string) {
    this.dir = resolve(root.startsWith('file://') ? fileURLToPath(root) : root)
  }

  /** The file of a key; a key that resolves outside the root is refused, whatever it is made of. */
  private path(key: string): string {
    const path = resolve(this.dir, checkKey(key))
    if (!path.startsWith(this.dir + sep)) throw new CdcError(`"${key}" resolves outside the storage root ${this.root}`, {code: 'BAD_KEY', exit: 2})
    return path
  }

  async checkRoot(): Promise<void> {
    if (!existsSync(this.dir) || !statSync(this.dir).isDirectory()) {
      throw new CdcError(`The storage root ${this.root} does not exist`, {code: 'STORAGE_ROOT_MISSING', exit: 2, actions: ['check storage.root in cdcctl.config.json or CDCCTL_STORAGE_ROOT', 'run the pipeline\'s jobs once (they create it)']})
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const base = join(this.dir, prefix)
    const start = existsSync(base) && statSync(base).isDirectory() ? base : dirname(base)
    if (!existsSync(start) || !(start === this.dir || start.startsWith(this.dir + sep))) return
    const walk = function* (dir: string): Generator<string> {
      for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) yield* walk(path)
        else yield path
      }
    }
    for (const path of walk(start)) {
      const key = relative(this.dir, path).split(sep).join('/')
      if (!key.startsWith(prefix) || key.split('/').pop()?.startsWith('.tmp-')) continue
      const st = statSync(path)
      yield {key, size: st.size, modified: st.mtime}
    }
  }

  async read(key: string): Promise<Readable> {
    const path = this.path(key)
    if (!existsSync(path)) throw new CdcError(`No object ${key} under ${this.root}`, {code: 'OBJECT_NOT_FOUND'})
    return createReadStream(path)
  }

  /** Written to a temporary file, fsynced, renamed over the key, and the rename fsynced: a crash leaves the old object or the whole new one. */
  async write(key: string, body: Buffer | string): Promise<void> {
    const path = this.path(key)
    const tmp = this.tmpBeside(path)
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, typeof body === 'string' ? Buffer.from(body) : body)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    this.commit(tmp, path)
  }

  async copy(from: string, to: string): Promise<void> {
    const source = this.path(from)
    const path = this.path(to)
    const tmp = this.tmpBeside(path)
    await pipeline(createReadStream(source), createWriteStream(tmp))
    const fd = openSync(tmp, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    this.commit(tmp, path)
  }

  private tmpBeside(path: string): string {
    mkdirSync(dirname(path), {recursive: true})
    return join(dirname(path), `.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`)
  }

  private commit(tmp: string, path: string): void {
    renameSync(tmp, path)
    const dir = openSync(dirname(path), 'r')
    try {
      fsyncSync(dir)
    } finally {
      closeSync(dir)
    }
  }

  async delete(key: string): Promise<void> {
    rmSync(this.path(key), {force: true})
  }

  async exists(key: string): Promise<boolean> {
    return existsSync(this.path(key))
  }
}

class S3Store implements ObjectStore {
  private readonly bucket: string
  private readonly prefix: string
  private clientPromise?: Promise<{s3: typeof import('@aws-sdk/client-s3'); client: import('@aws-sdk/client-s3').S3Client}>

  constructor(readonly root: string, private readonly region: string) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(root)
    if (!m) throw usageError(`Storage root ${root} is not s3://bucket[/prefix]`)
    this.bucket = m[1]
    this.prefix = m[2] ? m[2].replace(/\/?$/, '/') : ''
  }

  private client() {
    this.clientPromise ??= import('@aws-sdk/client-s3').then((s3) => ({s3, client: new s3.S3Client({region: this.region, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL)})}))
    return this.clientPromise
  }

  private fail(action: string, key: string, error: unknown): CdcError {
    return new CdcError(`S3 ${action} s3://${this.bucket}/${this.prefix}${key} failed: ${firstLine((error as Error).message)}`, {code: 'S3_ERROR', actions: ['check AWS_PROFILE / AWS_REGION and the bucket policy'], cause: error})
  }

  async checkRoot(): Promise<void> {
    // A missing bucket is S3's NoSuchBucket on the first list or read, already one line.
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const {s3, client} = await this.client()
    let token: string | undefined
    do {
      const page = await client.send(new s3.ListObjectsV2Command({Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token})).catch((e: unknown) => {
        throw this.fail('list', prefix, e)
      })
      for (const o of page.Contents ?? []) yield {key: (o.Key as string).slice(this.prefix.length), size: o.Size ?? 0, modified: o.LastModified ?? new Date(0)}
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
  }

  async read(key: string): Promise<Readable> {
    const {s3, client} = await this.client()
    checkKey(key)
    const res = await client.send(new s3.GetObjectCommand({Bucket: this.bucket, Key: this.prefix + key})).catch((e: unknown) => {
      throw this.fail('read', key, e)
    })
    return res.Body as Readable
  }

  async write(key: string, body: Buffer | string): Promise<void> {
    const {s3, client} = await this.client()
    checkKey(key)
    await client.send(new s3.PutObjectCommand({Bucket: this.bucket, Key: this.prefix + key, Body: body})).catch((e: unknown) => {
      throw this.fail('write', key, e)
    })
  }

  async delete(key: string): Promise<void> {
    const {s3, client} = await this.client()
    checkKey(key)
    await client.send(new s3.DeleteObjectCommand({Bucket: this.bucket, Key: this.prefix + key})).catch((e: unknown) => {
      throw this.fail('delete', key, e)
    })
  }

  async copy(from: string, to: string): Promise<void> {
    const {s3, client} = await this.client()
    checkKey(from)
    checkKey(to)
    const source = `${this.bucket}/${(this.prefix + from).split('/').map(encodeURIComponent).join('/')}`
    await client.send(new s3.CopyObjectCommand({Bucket: this.bucket, Key: this.prefix + to, CopySource: source})).catch((e: unknown) => {
      throw this.fail('copy', from, e)
    })
  }

  async exists(key: string): Promise<boolean> {
    const {s3, client} = await this.client()
    checkKey(key)
    try {
      await client.send(new s3.HeadObjectCommand({Bucket: this.bucket, Key: this.prefix + key}))
      return true
    } catch (error) {
      if ((error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode === 404) return false
      throw this.fail('head', key, error)
    }
  }
}

export function openStore(root: string, region: string): ObjectStore {
  if (root.startsWith('s3://')) return new S3Store(root, region)
  if (root.startsWith('file://') || root.startsWith('/')) return new LocalStore(root)
  throw usageError(`Storage root "${root}" must be file:///path or s3://bucket[/prefix]`, ['set storage.root in cdcctl.config.json or CDCCTL_STORAGE_ROOT'])
}
