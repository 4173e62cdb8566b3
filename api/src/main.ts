// `npm start`: runs the platform. Without DATABASE_URL it uses the embedded PGlite database.
import { startApp } from './app.ts';
import { loadEnv } from './env.ts';

const env = loadEnv();
const app = await startApp(env);

if (app.adminToken) {
  const line = '─'.repeat(72);
  console.log(
    [
      line,
      ' XeeNet is running. An admin account was created on this first start.',
      ` Dashboard:  ${app.url}`,
      ` GraphQL:    ${app.graphqlUrl}`,
      ` Admin token (shown once; sign in with it, or send "Authorization: Bearer <token>"):`,
      `   ${app.adminToken}`,
      line,
    ].join('\n'),
  );
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    app.deps.log.info('shutting down', { signal });
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.deps.log.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  });
}
