import type { Subprocess } from 'bun';
import { freePort } from '../../test/support/postgres-cluster.ts';
import { findEvent } from '../../test/support/log-lines.ts';

/** The real central (`bun server/central/main.ts`) as its own process on 127.0.0.1, returned once it listens. */
export async function startCentral(env: Record<string, string>): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child: Subprocess<'ignore', 'pipe', 'inherit'> = Bun.spawn([process.execPath, 'server/central/main.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  while (!findEvent(seen, 'server.started')) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`central exited early:\n${seen}`);
    seen += decoder.decode(value);
  }
  void (async () => {
    for (;;) if ((await reader.read()).done) break;
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await child.exited;
    },
  };
}

/** Runs `bun server/cli/index.ts …` with `env`; its stdout, or an error with its stderr. */
export async function cli(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  const child = Bun.spawn([process.execPath, 'server/cli/index.ts', ...args], { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`cli ${args.join(' ')} exited ${code}:\n${stderr}`);
  return { stdout, stderr, ms: performance.now() - t0 };
}
