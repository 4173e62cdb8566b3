// The published shape: `npm run build` output started through bin/ without src/ next to it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WORKER_DIR } from './helpers/paths.ts';

const OUT = path.join(WORKER_DIR, '.pack-test');

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('the package', () => {
  it('builds to JavaScript that the launcher runs when there is no src/', () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const tsc = path.join(WORKER_DIR, '..', 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', path.join(WORKER_DIR, 'tsconfig.build.json'), '--outDir', path.join(OUT, 'dist')], { stdio: 'pipe' });
    cpSync(path.join(WORKER_DIR, 'bin'), path.join(OUT, 'bin'), { recursive: true });
    cpSync(path.join(WORKER_DIR, 'package.json'), path.join(OUT, 'package.json'));
    const version = execFileSync(process.execPath, [path.join(OUT, 'bin', 'xeenet-worker.js'), '--version'], { encoding: 'utf8' });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = execFileSync(process.execPath, [path.join(OUT, 'bin', 'xeenet-worker.js'), '--help'], { encoding: 'utf8' });
    expect(help).toContain('xeenet-worker start --server URL');
  }, 60_000);
});
