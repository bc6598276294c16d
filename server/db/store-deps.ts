import type { Database } from 'bun:sqlite';
import type { Clock } from '../kernel/clock.ts';
import type { Config } from '../kernel/config.ts';
import type { WriteQueue } from './write-queue.ts';

/** What every domain's routes and services may be handed: the store's connection, its one writer, time and config. */
export interface StoreDeps {
  config: Config;
  sqlite: Database;
  clock: Clock;
  writes: WriteQueue;
}
