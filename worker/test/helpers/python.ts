// Interpreters for tests: a plain Python 3 (fixture scripts need no torch) and one that cannot
// import torch (the real system interpreter with site-packages switched off: python3 -S).
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './temp.ts';

export function plainPython(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** A folder holding `python3`, a real interpreter that has no site-packages, hence no torch. */
export function noTorchPythonDir(): string {
  const dir = tempDir('xeenet-notorch-');
  const file = path.join(dir, 'python3');
  writeFileSync(file, `#!/bin/sh\nexec ${plainPython()} -S "$@"\n`);
  chmodSync(file, 0o755);
  return dir;
}
