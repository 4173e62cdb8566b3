// No Docker engine (and no compose plugin) is needed to catch what `docker compose config` would
// reject or what would fail at `up`: dclint validates compose.yaml against the Compose
// Specification's JSON schema (the one compose-go embeds), and the checks below cover what a
// schema cannot see: references between services, files on disk, nginx's upstreams, and the
// Dockerfiles copying every workspace the lockfile names.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const DOCKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(DOCKER, '..');
const text = readFileSync(path.join(DOCKER, 'compose.yaml'), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  depends_on?: string[] | Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: unknown;
  environment?: Record<string, string>;
  command?: string[];
}
const compose = parse(text) as { name: string; services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;

describe('docker/compose.yaml', () => {
  it('is valid against the Compose Specification schema (dclint, with its style rules)', () => {
    const dclint = path.join(REPO, 'node_modules', '.bin', 'dclint');
    const output = execFileSync(dclint, ['compose.yaml', '--max-warnings', '0'], { cwd: DOCKER, encoding: 'utf8' });
    expect(output).not.toMatch(/error/i);
  });

  it('starts PostgreSQL, Redis, two API replicas behind nginx, and workers', () => {
    expect(compose.name).toBe('xeenet');
    expect(Object.keys(services).sort()).toEqual(['api-1', 'api-2', 'postgres', 'proxy', 'redis', 'worker']);
    for (const name of ['api-1', 'api-2']) {
      expect(services[name]!.environment).toMatchObject({ DATABASE_URL: expect.stringContaining('@postgres:5432/'), REDIS_URL: 'redis://redis:6379' });
    }
    expect(services.worker!.command).toEqual(['start', '--server', 'http://proxy:8080', '--slots', '1']);
  });

  it('depends only on services that exist, waiting for health checks that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      const dependencies = Array.isArray(service.depends_on) ? Object.fromEntries(service.depends_on.map((d) => [d, { condition: 'service_started' }])) : (service.depends_on ?? {});
      for (const [dependency, { condition }] of Object.entries(dependencies)) {
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dependency]!.healthcheck, `${dependency} needs a healthcheck`).toBeDefined();
      }
    }
  });

  it('mounts files and named volumes that exist, and builds from Dockerfiles that exist', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(path.resolve(DOCKER, source)), source).toBe(true);
        else expect(compose.volumes?.[source], `named volume ${source}`).not.toBeUndefined();
      }
      if (service.build) {
        const context = path.resolve(DOCKER, service.build.context);
        expect(existsSync(path.join(context, service.build.dockerfile)), service.build.dockerfile).toBe(true);
      }
    }
  });

  it('needs no .env file: every ${VARIABLE} has a default', () => {
    const references = [...text.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) expect(reference, reference).toMatch(/^[A-Z_][A-Z0-9_]*:-.+$/);
  });

  it('routes nginx to exactly the API replicas, WebSockets included', () => {
    const nginx = readFileSync(path.join(DOCKER, 'nginx.conf'), 'utf8');
    const upstreams = [...nginx.matchAll(/^\s*server\s+([\w-]+):(\d+);/gm)].map((match) => `${match[1]}:${match[2]}`);
    expect(upstreams.sort()).toEqual(['api-1:4000', 'api-2:4000']);
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(services.proxy!.ports).toEqual(['127.0.0.1:8080:8080']);
  });
});

describe('the Dockerfiles', () => {
  const workspaces = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

  it.each(['Dockerfile.api', 'Dockerfile.worker'])('%s copies every workspace manifest before npm ci (else npm ci fails)', (file) => {
    const dockerfile = readFileSync(path.join(DOCKER, file), 'utf8');
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf('RUN npm ci'));
    for (const workspace of workspaces) expect(beforeInstall, `${file}: ${workspace}/package.json`).toContain(`COPY ${workspace}/package.json ${workspace}/`);
  });

  it('start what exists in the repository, and check readiness', () => {
    const api = readFileSync(path.join(DOCKER, 'Dockerfile.api'), 'utf8');
    const worker = readFileSync(path.join(DOCKER, 'Dockerfile.worker'), 'utf8');
    expect(api).toContain('CMD ["node", "api/src/main.ts"]');
    expect(existsSync(path.join(REPO, 'api/src/main.ts'))).toBe(true);
    expect(api).toMatch(/HEALTHCHECK .*\/readyz/);
    expect(worker).toContain('ENTRYPOINT ["node", "/app/worker/bin/xeenet-worker.js"]');
    expect(existsSync(path.join(REPO, 'worker/bin/xeenet-worker.js'))).toBe(true);
  });
});
