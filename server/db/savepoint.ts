import type { Database } from 'bun:sqlite';

/**
 * A named savepoint with its statements prepared once: on the ingest and import paths a savepoint
 * wraps every single transaction, and re-parsing the three statements each time cost as much as the
 * inserts of a small receipt.
 */
export function preparedSavepoint(sqlite: Database, name: string) {
  const begin = sqlite.prepare(`SAVEPOINT ${name}`);
  const release = sqlite.prepare(`RELEASE ${name}`);
  const rollbackTo = sqlite.prepare(`ROLLBACK TO ${name}`);
  return {
    /** Runs `work` inside the savepoint; on a throw everything it wrote is undone and the error rethrown. */
    run<T>(work: () => T): T {
      begin.run();
      try {
        const value = work();
        release.run();
        return value;
      } catch (error) {
        // On SQLITE_FULL or an I/O error SQLite may have rolled the whole transaction back on its own: then
        // there is no savepoint left, and the caller must see the original error, not "no such savepoint".
        if (sqlite.inTransaction) {
          rollbackTo.run();
          release.run();
        }
        throw error;
      }
    },
  };
}
