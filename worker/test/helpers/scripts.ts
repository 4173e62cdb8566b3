// Training-scripts folders made for a test (fixture scripts under names the API serves), and
// running one task of one of them through the API until it has finished.
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiProcess } from './api.ts';
import { FIXTURES } from './executor.ts';
import { campaign, submitBrief, task, type TaskView } from './platform.ts';
import { tempDir } from './temp.ts';
import { waitUntil } from './wait.ts';

/** A folder with a manifest.json naming each fixture script (name → file), or generated source. */
export function scriptsFolder(scripts: Record<string, string | { file: string; source: string }>): string {
  const dir = tempDir('xeenet-test-scripts-');
  for (const entry of Object.values(scripts)) {
    if (typeof entry === 'string') copyFileSync(path.join(FIXTURES, entry), path.join(dir, entry));
    else writeFileSync(path.join(dir, entry.file), entry.source);
  }
  copyFileSync(path.join(FIXTURES, 'space.json'), path.join(dir, 'space.json'));
  const manifest = Object.entries(scripts).map(([name, entry]) => ({
    name,
    file: typeof entry === 'string' ? entry : entry.file,
    title: name,
    searchSpace: 'space.json',
  }));
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ scripts: manifest }));
  return dir;
}

/** Submits one task of `script` (its config: `config`, constants) and waits until it has finished. */
export async function runTask(
  api: ApiProcess,
  script: string,
  options: { budgetS?: number; maxAttempts?: number; config?: Record<string, string | number | boolean>; timeoutMs?: number } = {},
): Promise<TaskView> {
  const created = await submitBrief(api, {
    script,
    taskCount: 1,
    budgetS: options.budgetS ?? 2,
    maxAttempts: options.maxAttempts ?? 1,
    searchSpace: options.config ?? { x: 1 },
  });
  const [only] = (await campaign(api, created.id)).tasks;
  return waitUntil(
    async () => {
      const view = await task(api, only!.id);
      return view.status === 'SUCCEEDED' || view.status === 'FAILED' ? view : null;
    },
    options.timeoutMs ?? 60_000,
    `the ${script} task to finish`,
    200,
  );
}
