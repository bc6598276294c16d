import type { TestProject } from 'vitest/node';
import { postgresInstalled, startPostgresCluster } from './postgres-cluster.ts';

/*
 * vitest globalSetup: a PostgreSQL server of the suite's own (see postgres-cluster.ts), so central's tests run
 * against a real server as well as embedded PGlite. Without the binaries (or with NO_POSTGRES=1) they run on
 * PGlite alone. Stopped and removed at the end.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** A postgres:// URL of the suite's own server, or '' when there is none. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (!postgresInstalled() || process.env.NO_POSTGRES === '1') {
    project.provide('postgresUrl', '');
    return () => undefined;
  }
  const cluster = await startPostgresCluster(['fsync=off']);
  project.provide('postgresUrl', cluster.url);
  return () => cluster.stop();
}
