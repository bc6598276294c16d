import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/*
 * vitest globalSetup: a PostgreSQL server of the suite's own (Debian's postgresql 15, a temp cluster on a free
 * loopback port, trust auth on 127.0.0.1 only), so central's tests run against a real server as well as
 * embedded PGlite. Without the binaries (or with NO_POSTGRES=1) they run on PGlite alone. As root the
 * cluster runs as the `postgres` user (PostgreSQL refuses to run as root). Stopped and removed at the end.
 */

const BIN = '/usr/lib/postgresql/15/bin';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A postgres:// URL of the suite's own server, or '' when there is none. */
    postgresUrl: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (!existsSync(join(BIN, 'pg_ctl')) || process.env.NO_POSTGRES === '1') {
    project.provide('postgresUrl', '');
    return () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'suite-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(dir, 0o777);
    execFileSync('chown', ['postgres:postgres', dir]);
  }
  const run = (cmd: string, args: string[]) => {
    if (asRoot) execFileSync('su', ['postgres', '-c', [join(BIN, cmd), ...args.map((a) => `'${a}'`)].join(' ')], { stdio: 'pipe' });
    else execFileSync(join(BIN, cmd), args, { stdio: 'pipe' });
  };
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  project.provide('postgresUrl', `postgres://postgres@127.0.0.1:${port}/postgres`);
  return () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
