// The published shape: `npm run build` output started through bin/ without src/ next to it.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WORKER_DIR } from './helpers/paths.ts';

const OUT = path.join(WORKER_DIR, '.pack-test');
// `npm pack` lists what would be published; skipped where npm is not installed.
const npmPack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: WORKER_DIR, encoding: 'utf8' });

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

  it('is MIT licensed and ships the LICENSE file', () => {
    const manifest = JSON.parse(readFileSync(path.join(WORKER_DIR, 'package.json'), 'utf8')) as { license: string; files: string[] };
    expect(manifest.license).toBe('MIT');
    expect(manifest.files).toContain('LICENSE');
    const license = readFileSync(path.join(WORKER_DIR, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} XeeNet contributors\n/);
  });

  it.skipIf(npmPack.error !== undefined)('packs the launcher, README and LICENSE, and no sources or tests', () => {
    expect(npmPack.status, npmPack.stderr).toBe(0);
    const [packed] = JSON.parse(npmPack.stdout) as { files: { path: string }[] }[];
    const files = packed!.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'bin/xeenet-worker.js']));
    expect(files.filter((file) => /^(src|test|bench)\//.test(file))).toEqual([]);
  });
});
