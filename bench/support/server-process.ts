import type { Subprocess } from 'bun';
import { logLines, type LogLine } from '../../test/support/log-lines.ts';

/**
 * The real appliance (`bun server/main.ts`) as its own process on 127.0.0.1, returned once it is in its
 * steady state: listening, the start-up rescoring of every customer and the day's sweep finished (a
 * benchmark that starts while the store rescores 100k customers measures the rescoring, not the route).
 */
export async function startSteadyServer(env: Record<string, string>, log: (s: string) => void): Promise<{ url: string; startLog: LogLine[]; stop(): Promise<void> }> {
  const port = 18_000 + Math.floor(Math.random() * 3000);
  const child: Subprocess<'ignore', 'pipe', 'inherit'> = Bun.spawn([process.execPath, 'server/main.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', STORE_DEMO: '0', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const decoder = new TextDecoder();
  let seen = '';
  const reader = child.stdout.getReader();
  const deadline = Date.now() + 20 * 60_000;
  const started = (prefix: RegExp) => logLines(seen).filter((l) => prefix.test(l.event));
  const steady = () => started(/^scoring\.(rescored|up_to_date|failed)$/).length > 0 && started(/^sweep\.(finished|skipped|failed)$/).length > 0;
  while (!steady()) {
    if (Date.now() > deadline) throw new Error('server did not reach a steady state');
    const { done, value } = await reader.read();
    if (done) throw new Error(`server exited early:\n${seen}`);
    seen += decoder.decode(value);
  }
  const startLog = started(/^(models|scoring|sweep)\./);
  log(startLog.map(({ ts: _ts, level: _level, ...fields }) => JSON.stringify(fields)).join('; '));
  // Keep draining its output so the pipe never blocks it.
  void (async () => {
    for (;;) if ((await reader.read()).done) break;
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    startLog,
    async stop() {
      child.kill('SIGTERM');
      await child.exited;
    },
  };
}
