import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findEvent, logLines } from '../support/log-lines.ts';

/*
 * The appliance as a separate OS process (the real `server/main.ts` and CLI), so a test can SIGKILL it.
 * Every child is registered until it has exited; `killAllChildren` in afterAll makes sure none outlives
 * the test file, whatever assertion failed on the way.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUN = fileURLToPath(new URL('../../node_modules/.bin/bun', import.meta.url));

const live = new Set<ChildProcess>();

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function applianceEnv(dataDir: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', STORE_DEMO: '0', STORE_ID: 'S001', ...env };
}

function track(child: ChildProcess): Promise<Exit> {
  live.add(child);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
}

/** Runs `server/cli/index.ts <args>` on the data directory; resolves with stdout, rejects on a non-zero exit. */
export async function runCli(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const child = spawn(BUN, ['server/cli/index.ts', ...args], { cwd: ROOT, env: applianceEnv(dataDir, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = await track(child);
  if (exit.code !== 0) throw new Error(`cli ${args.join(' ')} exited ${exit.code ?? exit.signal}: ${stderr}`);
  return stdout;
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL: no shutdown code runs. Resolves once the process is gone. */
  kill(): Promise<Exit>;
  /** SIGTERM: the appliance's graceful stop. Resolves with the exit once gone (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<Exit>;
}

/**
 * Starts `server/main.ts` on a free port (PORT=0, read back from its `server.started` log line) and waits until
 * the start-up sweep has run (or was found done today), so that nothing of the appliance's own start writes later. `port` starts it
 * on that port instead: a restart that a browser page, whose origin includes the port, must find again.
 */
export function startServer(dataDir: string, timeoutMs = 20_000, env: Record<string, string> = {}): Promise<ServerProcess> {
  // Tests look for demo customers by walking card numbers with one token, exactly what the per-credential cap on
  // profile reads stops (test/phone-search.test.ts tests the cap itself): raised here unless a test sets it.
  const uncapped = { PROFILE_READS_PER_MINUTE: '100000', ...env };
  return startProcess('server/main.ts', applianceEnv(dataDir, uncapped), (out) => logLines(out).some((l) => /^sweep\.(finished|skipped|failed)$/.test(l.event)), timeoutMs);
}

/**
 * Starts `server/main.ts` on `port` and resolves once it answers /livez: for a process whose start-up lines are
 * not logged (LOG_LEVEL=warn), so that its output cannot say where it listens or when it is ready.
 */
export function startServerOnPort(dataDir: string, port: number, env: Record<string, string> = {}, timeoutMs = 20_000): Promise<ServerProcess> {
  const url = `http://127.0.0.1:${port}`;
  return startProcess('server/main.ts', applianceEnv(dataDir, { ...env, PORT: String(port) }), () => true, timeoutMs, url);
}

/** Starts central (`server/central/main.ts`) on a free port, over PGlite in `dataDir` or DATABASE_URL when given. */
export function startCentral(dataDir: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ServerProcess> {
  return startProcess('server/central/main.ts', applianceEnv(dataDir, env), () => true, timeoutMs);
}

/** `knownUrl`: the process listens there and is ready once /livez answers; otherwise its `server.started` line says where. */
async function startProcess(entry: string, env: NodeJS.ProcessEnv, started: (output: string) => boolean, timeoutMs: number, knownUrl?: string): Promise<ServerProcess> {
  const child = spawn(BUN, [entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = track(child);
  let output = '';
  let poll: ReturnType<typeof setInterval> | undefined;
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const done = (url: string) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve(url);
    };
    const onData = (d: Buffer) => {
      output += d.toString();
      const url = findEvent(output, 'server.started')?.url;
      if (knownUrl === undefined && typeof url === 'string' && started(output)) done(url);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    if (knownUrl !== undefined) {
      poll = setInterval(() => {
        fetch(`${knownUrl}/livez`).then((r) => r.ok && done(knownUrl), () => undefined);
      }, 100);
    }
    void exited.then((e) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`server exited during start (${e.code ?? e.signal}):\n${output}`));
    });
  });
  let url: string;
  try {
    url = await ready;
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    url,
    pid: child.pid ?? -1,
    output: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      return exited;
    },
    stop: async (graceMs = 10_000) => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** For afterAll: SIGKILL every child still running and wait for each to be gone. */
export async function killAllChildren(): Promise<void> {
  const waits = [...live].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  }));
  await Promise.all(waits);
}
