/*
 * The packaging files, checked by reading them (no container engine runs here): what
 * docker-compose.yml, the Dockerfile and the Kubernetes example reference must exist, and every
 * setting they pass must be one the CLI reads.
 *
 * docker-compose.yml is comment lines followed by plain JSON (JSON is YAML 1.2), so JSON.parse
 * reads it once the leading `#` lines are dropped; no YAML parser is a dependency. The Kubernetes
 * example is ordinary YAML and is checked as text: every MEMSTORE_* name and every --flag in it,
 * the probe paths and ports.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, SETTINGS, type Config } from '../../src/cli/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENV_NAMES = new Set<string>(Object.values(SETTINGS).map((s) => s.env));
const FLAGS = new Set<string>(Object.values(SETTINGS).map((s) => s.flag));

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

function readCompose(): { services: Record<string, Service>; volumes?: Record<string, unknown> } {
  const text = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  const json = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  return JSON.parse(json) as { services: Record<string, Service> };
}

const compose = readCompose();
const sidecars = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

/** The sidecar's own view of a service's environment (throws like the CLI would: exit 2). */
function configOf(s: Service): Config {
  const c = parseConfig([], s.environment ?? {});
  if (c === 'help') throw new Error('help');
  return c;
}

describe('docker-compose.yml', () => {
  it('runs postgres:17 with wal_level=logical and installs the memstore SQL and a publication at init', () => {
    const pg = compose.services.postgres!;
    expect(pg.image).toBe('postgres:17');
    expect(pg.command?.join(' ')).toMatch(/-c wal_level=logical/);
    const initFiles = (pg.volumes ?? []).filter((v) => v.includes('/docker-entrypoint-initdb.d/')).map((v) => v.split(':')[0]);
    expect(initFiles).toEqual(['./sql/memstore.sql', './deploy/compose-init.sql']);
    expect(readFileSync(path.join(ROOT, 'deploy/compose-init.sql'), 'utf8')).toMatch(/CREATE PUBLICATION memstore/);
  });

  it('mounts only files that exist, and names volumes it declares', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) {
          expect(existsSync(path.join(ROOT, source)), `${name}: ${source}`).toBe(true);
        } else {
          expect(Object.keys(compose.volumes ?? {}), `${name}: named volume ${source}`).toContain(source);
        }
      }
    }
  });

  it('builds two sidecars from this directory with its Dockerfile, on 6433 and 6434, with distinct ids', () => {
    expect(sidecars.map(([n]) => n)).toEqual(['sidecar-1', 'sidecar-2']);
    const ids = new Set<string>();
    const pgwirePorts: number[] = [];
    for (const [name, s] of sidecars) {
      const build = typeof s.build === 'string' ? { context: s.build } : s.build!;
      const context = path.join(ROOT, build.context);
      expect(statSync(context).isDirectory()).toBe(true);
      const dockerfile = path.join(context, build.dockerfile ?? 'Dockerfile');
      expect(existsSync(dockerfile), `${name}: ${dockerfile}`).toBe(true);
      const c = configOf(s);
      ids.add(c.id);
      expect(c.source).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(s.depends_on?.postgres?.condition).toBe('service_healthy');
      // Published ports are the ones the sidecar listens on (pgwire and HTTP), same inside and out.
      const published = (s.ports ?? []).map((p) => p.split(':').map(Number) as [number, number]);
      expect(published).toContainEqual([c.listen.port, c.listen.port]);
      expect(published).toContainEqual([c.http.port, c.http.port]);
      expect(c.listen.host).toBe('0.0.0.0'); // other containers connect
      pgwirePorts.push(c.listen.port);
      // The healthcheck asks /readyz on the sidecar's HTTP port.
      expect(s.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${c.http.port}/readyz`);
    }
    expect(pgwirePorts).toEqual([6433, 6434]);
    expect(ids.size).toBe(2);
  });

  it('passes only MEMSTORE_* variables the CLI reads', () => {
    for (const [name, s] of sidecars) {
      for (const key of Object.keys(s.environment ?? {})) {
        expect(ENV_NAMES.has(key), `${name}: ${key} is not read by the CLI`).toBe(true);
      }
    }
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

  it('copies files that exist and runs the compiled CLI that the build produces', () => {
    const copies = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copies.length).toBeGreaterThan(3);
    for (const f of copies) expect(existsSync(path.join(ROOT, f)), f).toBe(true);
    const build = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(text).toContain(`ENTRYPOINT ["node", "/app/${build.compilerOptions.outDir}/cli/main.js"]`);
    expect(existsSync(path.join(ROOT, build.compilerOptions.rootDir, 'cli/main.ts'))).toBe(true);
  });

  it('sets only MEMSTORE_* variables the CLI reads, and checks /readyz', () => {
    for (const m of text.matchAll(/\bMEMSTORE_[A-Z_]+/g)) expect(ENV_NAMES.has(m[0]), m[0]).toBe(true);
    expect(text).toMatch(/HEALTHCHECK .*\/readyz/s);
  });
});

describe('deploy/kubernetes', () => {
  const text = readFileSync(path.join(ROOT, 'deploy/kubernetes/memstore-sidecar.yaml'), 'utf8');

  it('names only settings the CLI reads (env and flags)', () => {
    const envs = [...text.matchAll(/\bMEMSTORE_[A-Z_]+/g)].map((m) => m[0]);
    expect(envs.length).toBeGreaterThan(5);
    for (const e of envs) expect(ENV_NAMES.has(e), e).toBe(true);
    const flags = [...text.matchAll(/"--([a-z-]+)"/g)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(0);
    for (const f of flags) expect(FLAGS.has(f), `--${f}`).toBe(true);
  });

  it('probes /healthz and /readyz on the port MEMSTORE_HTTP sets, and keeps pgwire pod-local', () => {
    const http = /- name: MEMSTORE_HTTP\n\s+value: (\S+)/.exec(text)?.[1];
    const listen = /- name: MEMSTORE_LISTEN\n\s+value: (\S+)/.exec(text)?.[1];
    const c = parseConfig([], { MEMSTORE_HTTP: http!, MEMSTORE_LISTEN: listen! }) as Config;
    expect(c.listen.host).toBe('127.0.0.1');
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const m = new RegExp(`${probe}:\\n\\s+httpGet:\\n\\s+path: (\\S+)\\n\\s+port: (\\d+)`).exec(text);
      expect(m, probe).not.toBeNull();
      expect(m![1]).toBe(probe === 'livenessProbe' ? '/healthz' : '/readyz');
      expect(Number(m![2])).toBe(c.http.port);
    }
    expect(text).toMatch(/kind: Secret[\s\S]*MEMSTORE_SOURCE:/);
    expect(text).toMatch(/secretKeyRef:\n\s+name: memstore-source\n\s+key: MEMSTORE_SOURCE/);
    expect(text).toContain(`postgres://memstore@127.0.0.1:${c.listen.port}/`);
  });
});
