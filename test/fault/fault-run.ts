import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { killAllChildren } from './server-process.ts';

/** A fault test's seed: FAULT_SEED when given (to reproduce a run), else a random one, printed either way. */
export function faultSeed(testName: string): number {
  const seed = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log(`${testName}: FAULT_SEED=${seed}`);
  return seed;
}

/** Data directories to remove once the file's tests are done, after every server process they started is killed. */
export function dataDirsRemovedAfterAll(): string[] {
  const dirs: string[] = [];
  afterAll(async () => {
    await killAllChildren();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return dirs;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
