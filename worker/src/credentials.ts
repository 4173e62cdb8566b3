// This machine's identity per server: the token registerWorker returned, kept in the user's config
// folder (credentials.json, mode 0600, folder 0700). Real and simulated registrations are separate.
import { createHash } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from './util/fs.ts';

export type Mode = 'real' | 'simulated';

export interface Credential {
  token: string;
  workerId: string;
  name: string;
  registeredAt: string;
  slots: number;
  /** SHA-256 of the account token used to register (never the token itself), if one was given. */
  accountTokenSha256: string | null;
  /** The account this machine belongs to (global id): its OWN scripts may run here unsigned. */
  accountId?: string | null;
  /**
   * The platform signing key pinned when this machine registered (or first started after signing
   * existed): scripts signed with any other key are refused until the machine registers again.
   */
  signingKey?: PinnedKey | null;
}

export interface PinnedKey {
  keyId: string;
  publicKeyPem: string;
  pinnedAt: string;
}

interface CredentialsFile {
  version: 1;
  servers: Record<string, Partial<Record<Mode, Credential>>>;
}

export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class CredentialStore {
  readonly file: string;
  private readonly dir: string;

  constructor(configDir: string) {
    this.dir = configDir;
    this.file = path.join(configDir, 'credentials.json');
  }

  private async read(): Promise<CredentialsFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: {} };
      throw error;
    }
    const parsed = JSON.parse(text) as CredentialsFile;
    if (parsed.version !== 1 || typeof parsed.servers !== 'object' || parsed.servers === null) {
      throw new Error(`${this.file} is not a credentials file this worker understands`);
    }
    return parsed;
  }

  async get(server: string, mode: Mode): Promise<Credential | null> {
    return (await this.read()).servers[server]?.[mode] ?? null;
  }

  async set(server: string, mode: Mode, credential: Credential): Promise<void> {
    await ensurePrivateDir(this.dir);
    const contents = await this.read();
    contents.servers[server] = { ...contents.servers[server], [mode]: credential };
    await writeFileAtomic(this.file, `${JSON.stringify(contents, null, 2)}\n`, 0o600);
    await chmod(this.file, 0o600);
  }

  async remove(server: string, mode: Mode): Promise<void> {
    const contents = await this.read();
    if (!contents.servers[server]?.[mode]) return;
    delete contents.servers[server][mode];
    await writeFileAtomic(this.file, `${JSON.stringify(contents, null, 2)}\n`, 0o600);
  }
}
