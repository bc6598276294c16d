import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * A PostgreSQL server of the caller's own: Debian's postgresql 15, a temp cluster on a free loopback port,
 * trust auth on 127.0.0.1 only. As root the cluster runs as the `postgres` user (PostgreSQL refuses to run as
 * root). Used by the test suite's globalSetup and by bench:sync.
 */

const BIN = '/usr/lib/postgresql/15/bin';

export const postgresInstalled = (): boolean => existsSync(join(BIN, 'pg_ctl'));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** The cluster's directory (data and log). */
  dir: string;
  /** Stops the server (immediate) and removes its directory. */
  stop(): void;
}

/** Starts a fresh cluster; `settings` are server options (`-c name=value` each), e.g. `fsync=off`. */
export async function startPostgresCluster(settings: string[], parent = tmpdir()): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(parent, 'pg-'));
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
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', ...settings.map((s) => `-c ${s}`)].join(' ');
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', options, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
