// Where things are for the tests (and the benchmark): the repository, the API, shared datasets.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO_ROOT = path.resolve(WORKER_DIR, '..');
export const API_MAIN = path.join(REPO_ROOT, 'api', 'src', 'main.ts');
export const WORKER_BIN = path.join(WORKER_DIR, 'bin', 'xeenet-worker.js');
export const TRAINING_SCRIPTS = path.join(REPO_ROOT, 'training-scripts');

/**
 * A folder with tinyshakespeare.txt, if this machine has one: XEENET_SHARED_DATA, then
 * <repo>/../shared/data, then /work/shared/data. Without it, tests use the built-in "brown" dataset.
 */
export function sharedDataDir(): string | null {
  const candidates = [process.env.XEENET_SHARED_DATA, path.resolve(REPO_ROOT, '..', 'shared', 'data'), '/work/shared/data'];
  for (const dir of candidates) {
    if (dir && existsSync(path.join(dir, 'tinyshakespeare.txt'))) return dir;
  }
  return null;
}

/** The dataset tests train on: TinyShakespeare when a local copy exists, else Brown (always there). */
export function testDataset(): string {
  return sharedDataDir() ? 'tinyshakespeare' : 'brown';
}
