// Scripts and datasets, cached by SHA-256. A download is hashed as it streams and kept only when it
// matches; a cached file is hashed again before every use. Nothing that fails the check ever runs.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LeasedArtifact } from './api/documents.ts';
import type { Logger } from './log.ts';
import { ensurePrivateDir, syncDir } from './util/fs.ts';

const SHA256 = /^[0-9a-f]{64}$/;

/** The bytes do not hash to the SHA-256 the lease names: refused. */
export class ArtifactMismatchError extends Error {
  override name = 'ArtifactMismatchError';
  readonly expected: string;
  readonly actual: string;
  constructor(artifact: LeasedArtifact, actual: string, where: string) {
    super(`${artifact.name} (${where}) hashes to ${actual}, not to the ${artifact.sha256} the lease names: refused to run it`);
    this.expected = artifact.sha256;
    this.actual = actual;
  }
}

/** The artifact could not be fetched (network, HTTP status): worth retrying later. */
export class ArtifactFetchError extends Error {
  override name = 'ArtifactFetchError';
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class ArtifactCache {
  readonly dir: string;
  private readonly log: Logger;
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(dir: string, log: Logger) {
    this.dir = dir;
    this.log = log;
  }

  pathFor(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256: ${JSON.stringify(sha256)}`);
    return path.join(this.dir, sha256);
  }

  /** A verified local copy of the artifact (downloaded if absent or damaged); signal aborts the download. */
  async file(artifact: LeasedArtifact, url: string, signal?: AbortSignal): Promise<string> {
    const target = this.pathFor(artifact.sha256);
    if (await this.verifyCached(artifact, target)) return target;
    let pending = this.inflight.get(artifact.sha256);
    if (!pending) {
      pending = this.download(artifact, url, target, signal).finally(() => this.inflight.delete(artifact.sha256));
      this.inflight.set(artifact.sha256, pending);
    }
    await pending;
    // Verified as it was written; checked again here, as before every use.
    if (!(await this.verifyCached(artifact, target))) throw new ArtifactMismatchError(artifact, await sha256File(target), 'cache');
    return target;
  }

  /** The artifact's bytes, verified in memory (what is run is exactly what was hashed). */
  async bytes(artifact: LeasedArtifact, url: string, signal?: AbortSignal): Promise<Buffer> {
    const file = await this.file(artifact, url, signal);
    const bytes = await readFile(file);
    const actual = sha256Bytes(bytes);
    if (actual !== artifact.sha256) {
      await rm(file, { force: true });
      throw new ArtifactMismatchError(artifact, actual, 'cache');
    }
    return bytes;
  }

  /** True when the cached file exists and hashes right; a damaged file is deleted. */
  private async verifyCached(artifact: LeasedArtifact, file: string): Promise<boolean> {
    try {
      await stat(file);
    } catch {
      return false;
    }
    const actual = await sha256File(file);
    if (actual === artifact.sha256) return true;
    this.log.warn('cached artifact is damaged; deleting it and downloading it again', { name: artifact.name, expected: artifact.sha256, actual });
    await rm(file, { force: true });
    return false;
  }

  private async download(artifact: LeasedArtifact, url: string, target: string, signal?: AbortSignal): Promise<string> {
    await ensurePrivateDir(this.dir);
    const started = performance.now();
    const deadline = AbortSignal.timeout(10 * 60_000);
    let response: Response;
    try {
      // The signal also ends reading the body below.
      response = await fetch(url, { signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new ArtifactFetchError(`cannot download ${artifact.name} from ${url}: ${cause ?? (error as Error).message}`);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new ArtifactFetchError(`downloading ${artifact.name} from ${url} failed: HTTP ${response.status}`);
    }
    const temp = path.join(this.dir, `.${artifact.sha256}.${randomBytes(6).toString('hex')}.part`);
    const hash = createHash('sha256');
    const handle = await open(temp, 'wx', 0o600);
    let size = 0;
    // A server may not send more than it announced: stop reading well past the declared size.
    const limit = Math.max(artifact.sizeBytes, 0) + 1024 * 1024;
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > limit) throw new ArtifactFetchError(`${artifact.name} from ${url} is larger than the ${artifact.sizeBytes} bytes the lease announced`);
        hash.update(chunk);
        await handle.write(chunk);
      }
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temp, { force: true });
      if (error instanceof ArtifactFetchError) throw error;
      throw new ArtifactFetchError(`downloading ${artifact.name} from ${url} broke off: ${(error as Error).message}`);
    }
    await handle.close();
    const actual = hash.digest('hex');
    if (actual !== artifact.sha256) {
      await rm(temp, { force: true });
      throw new ArtifactMismatchError(artifact, actual, url);
    }
    await chmod(temp, 0o444);
    await rename(temp, target);
    await syncDir(this.dir);
    this.log.info('artifact downloaded and verified', {
      name: artifact.name,
      sha256: artifact.sha256,
      bytes: size,
      ms: Math.round(performance.now() - started),
    });
    return target;
  }
}
