import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const bun = join(process.cwd(), 'node_modules/.bin/bun');

/** The real CLI in a process of its own on `dataDir` (no demo store), waited for; its exit status and output. */
export function cliSync(dataDir: string, args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(bun, ['server/cli/index.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, STORE_DEMO: '0', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}
