// Before the tests: PostgreSQL and Redis must answer on the addresses the tests use. Says what is
// missing and how to start it, instead of a hundred ECONNREFUSED failures later.
import net from 'node:net';

const postgres = new URL(process.env.XEENET_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
const redis = new URL(process.env.XEENET_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const services = [
  {
    name: 'PostgreSQL',
    host: postgres.hostname,
    port: Number(postgres.port || 5432),
    fix: 'trust auth for user postgres; on Debian: apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
  {
    name: 'Redis',
    host: redis.hostname,
    port: Number(redis.port || 6379),
    fix: 'on Debian: apt-get install -y redis-server && redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ""',
  },
];

function reachable({ host, port }) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const missing = [];
for (const service of services) if (!(await reachable(service))) missing.push(service);
for (const service of missing) {
  console.error(`xeenet: ${service.name} is not reachable on ${service.host}:${service.port}; the tests need it (${service.fix}).`);
}
process.exitCode = missing.length ? 1 : 0;
