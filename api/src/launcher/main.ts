// `npm start`: a small supervisor. It runs the API in this process (PGlite unless DATABASE_URL is
// set, the dashboard on the same port), waits until it listens, prints the banner, then starts one
// local worker as a child and relays its lines. Ctrl-C stops the worker first (once: it finishes
// its task; twice: it gives the task back; three times: it is killed), then closes the API and the
// database, and exits 0 after a clean first-press stop, 128+signal after an abort, 1 on failure.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type App, startApp } from '../app.ts';
import { firstRow, type Db, rows, sql } from '../db/sql.ts';
import { loadEnv } from '../env.ts';
import { AccountService } from '../modules/accounts/account.service.ts';
import { unavailableDatasetHelp } from '../modules/artifacts/dataset-help.ts';
import { bannerText, type SignIn } from './banner.ts';
import { readAdminToken, removePlatform, saveAdminToken, savePlatform } from './local-files.ts';
import { LocalWorker } from './local-worker.ts';
import { StopSignals } from './stop-signals.ts';

const USAGE = `npm start [-- --no-worker]

Runs the XeeNet API with the dashboard and one local worker. Settings come from the environment
(see README.md): PORT, HOST, DATABASE_URL, XEENET_DATA_DIR, XEENET_LOCAL_WORKER=0, ...

  --no-worker   do not start the local worker (same as XEENET_LOCAL_WORKER=0)
  --help        this text`;

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
const WAIT_FOR_DATASETS_MS = 5000;
const FORCED_EXIT_MS = 5000;

const tty = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const say = (message: string) => process.stdout.write(`${tty ? '\x1b[1m' : ''}xeenet:${tty ? '\x1b[0m' : ''} ${message}\n`);
const WORKER_PREFIX = tty ? '\x1b[36mworker │\x1b[0m ' : 'worker │ ';

let flags: { 'no-worker'?: boolean; help?: boolean };
try {
  flags = parseArgs({ options: { 'no-worker': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
} catch (error) {
  console.error(`xeenet: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}

const env = loadEnv();
const stops = new StopSignals();
let app: App | null = null;
let worker: LocalWorker | null = null;
let stopping: Promise<never> | null = null;
let exitCode = 0;

/** Waits for the worker (if any), closes the API and the database, removes platform.json, exits. */
function stopAll(): Promise<never> {
  stopping ??= (async () => {
    if (worker?.running) await worker.exited;
    try {
      if (app) {
        say('closing the API and the database');
        await app.close();
      }
    } catch (error) {
      say(`closing failed: ${(error as Error).message}`);
      exitCode = 1;
    }
    removePlatform(env.XEENET_DATA_DIR);
    say(`stopped (exit ${exitCode})`);
    process.exit(exitCode);
  })();
  return stopping;
}

function onSignal(signal: NodeJS.Signals): void {
  const step = stops.receive(Date.now());
  if (step === 'ignore') return;
  const interrupted = 128 + (SIGNAL_NUMBERS[signal] ?? 15);
  if (!app) {
    // Cutting a start short could leave a half-migrated database: stop right after it.
    if (step === 'force') process.exit(interrupted);
    say('stopping as soon as the API has started (Ctrl-C twice more to quit at once)');
    return;
  }
  if (step === 'finish') {
    if (worker?.running) {
      say('stopping: the local worker finishes and reports its running task first (Ctrl-C again to give it back now)');
      worker.signal('SIGINT');
    }
    void stopAll();
  } else if (step === 'abort') {
    exitCode = interrupted;
    if (worker?.running) {
      say('aborting the running task: the worker gives its lease back (Ctrl-C again to kill it)');
      worker.signal('SIGINT');
    } else say('still closing the database; Ctrl-C again to quit at once');
  } else {
    exitCode = interrupted;
    if (worker?.running) {
      say('killing the local worker');
      worker.kill();
    }
    setTimeout(() => process.exit(exitCode), FORCED_EXIT_MS).unref();
  }
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => onSignal(signal));
// Whatever ends this process, the worker goes with it (its own process group would survive us).
process.on('exit', () => worker?.kill());

try {
  app = await startApp(env);
} catch (error) {
  say(`cannot start the API: ${(error as Error).message}`);
  process.exit(1);
}
if (stops.count > 0) await stopAll();

const signIn = await findSignIn(app);
await Promise.race([app.datasetsReady, new Promise((resolve) => setTimeout(resolve, WAIT_FOR_DATASETS_MS))]);
const missingDatasets = await missingDatasetHelp(app);
const workerHome = path.resolve(env.XEENET_WORKER_HOME ?? path.join(env.XEENET_DATA_DIR, 'worker'));
const workerOff = flags['no-worker'] ? '--no-worker' : env.XEENET_LOCAL_WORKER ? null : 'XEENET_LOCAL_WORKER is off';
savePlatform(env.XEENET_DATA_DIR, { url: app.url, graphqlUrl: app.graphqlUrl, pid: process.pid, startedAt: new Date().toISOString() });
console.log(
  bannerText({
    url: app.url,
    graphqlUrl: app.graphqlUrl,
    signIn,
    worker: workerOff ? { off: workerOff } : { home: workerHome, prefix: WORKER_PREFIX },
    missingDatasets,
  }),
);

if (!workerOff && stops.count === 0) {
  const current = LocalWorker.start({
    server: app.url,
    home: workerHome,
    accountToken: 'token' in signIn ? signIn.token : (env.XEENET_ADMIN_TOKEN ?? null),
    logLevel: env.XEENET_LOG_LEVEL === 'silent' ? 'error' : env.XEENET_LOG_LEVEL,
    prefix: WORKER_PREFIX,
    print: (line) => process.stdout.write(`${line}\n`),
  });
  worker = current;
  void current.exited.then(({ code, signal }) => {
    if (stops.count > 0) return;
    say(
      `the local worker exited (${signal ?? `code ${code}`}); the API keeps running. ` +
        `See its lines above; run one by hand with: npx xeenet-worker start --server ${app!.url}`,
    );
  });
}

/** The bootstrap token to show: created now, configured, or kept from the first start. */
async function findSignIn(started: App): Promise<SignIn> {
  const dataDir = env.XEENET_DATA_DIR;
  if (started.adminToken) {
    if (started.adminToken !== env.XEENET_ADMIN_TOKEN) {
      return { kind: 'created', token: started.adminToken, file: saveAdminToken(dataDir, started.adminToken) };
    }
    return { kind: 'configured' };
  }
  if (env.XEENET_ADMIN_TOKEN) return { kind: 'configured' };
  const file = path.join(dataDir, 'admin-token');
  const saved = readAdminToken(dataDir);
  if (!saved) return { kind: 'unknown', file };
  const viewer = await new AccountService(started.deps.orm.em.fork() as unknown as Db, env).viewerForToken(saved);
  return viewer?.role === 'admin' ? { kind: 'saved', token: saved, file } : { kind: 'unknown', file };
}

async function missingDatasetHelp(started: App): Promise<string[]> {
  const em = started.deps.orm.em.fork() as unknown as Db;
  const missing = await rows<{ name: string; source_url: string | null }>(
    em,
    sql`select name, source_url from artifact where kind = 'dataset' and content is null and source <> 'upload' order by name`,
  );
  const available = await firstRow<{ names: string | null }>(
    em,
    sql`select string_agg(name, ', ' order by name) as names from artifact where kind = 'dataset' and content is not null and source <> 'upload'`,
  );
  return missing.map(
    (dataset) =>
      `${unavailableDatasetHelp({ name: dataset.name, sourceUrl: dataset.source_url }, env)}${available?.names ? ` Available now: ${available.names}.` : ''}`,
  );
}
