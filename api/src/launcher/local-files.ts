// What `npm start` leaves in the data folder for the people and programs on this machine:
// - admin-token (0600): the bootstrap admin's token, written on the first start, so later starts
//   can print it again (the database keeps only its hash);
// - platform.json (0600): the running platform's URL and the launcher's pid, so `npm run demo`
//   finds it; removed when the launcher exits.
// The data folder also holds the database itself, so these files add no new exposure.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';
export const PLATFORM_FILE = 'platform.json';

export interface PlatformInfo {
  url: string;
  graphqlUrl: string;
  pid: number;
  startedAt: string;
}

function writePrivate(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode otherwise
}

export function saveAdminToken(dataDir: string, token: string): string {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  writePrivate(file, `${token}\n`);
  return file;
}

export function readAdminToken(dataDir: string): string | null {
  try {
    return readFileSync(path.join(dataDir, ADMIN_TOKEN_FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

export function savePlatform(dataDir: string, info: PlatformInfo): void {
  writePrivate(path.join(dataDir, PLATFORM_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

export function removePlatform(dataDir: string): void {
  rmSync(path.join(dataDir, PLATFORM_FILE), { force: true });
}
