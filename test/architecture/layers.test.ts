import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, importsOf, sourceFiles } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/*
 * The server's folders from the bottom up (DESIGN.md §3). A file may import its own folder and any folder
 * listed before its own, never one after it. The domains are listed in the one order in which they may use
 * each other's exported functions; a domain never writes another's tables (see fact-tables.test.ts).
 */
export const SERVER_LAYERS: ReadonlyArray<{ layer: string; folders: readonly string[] }> = [
  { layer: 'contract', folders: ['contract'] },
  { layer: 'kernel', folders: ['kernel'] },
  { layer: 'storage', folders: ['db', 'http'] },
  {
    layer: 'domains',
    folders: ['auth', 'audit', 'lifecycle', 'stats', 'loyalty', 'catalog', 'identity', 'ingest', 'actions', 'scoring', 'analytics', 'customers'],
  },
  { layer: 'orchestration', folders: ['orchestration'] },
  /** Headquarters' role, over PostgreSQL (server/central/schema.ts). */
  { layer: 'central', folders: ['central'] },
  { layer: 'composition', folders: ['app', 'demo', 'cli', 'main.ts'] },
];

const ORDER = SERVER_LAYERS.flatMap((l) => l.folders);

/** The server folder (or root file) a path belongs to, or null outside server/. */
function folderOf(path: string): string | null {
  const m = /^server\/([^/]+)(\/|$)/.exec(path);
  return m ? m[1]!.replace(/\.tsx?$/, '.ts') : null;
}

const serverFiles = sourceFiles(ROOT, 'server');
const serverEdges = importsOf(ROOT, serverFiles).filter((e) => e.to.startsWith('server/'));

describe('server layers', () => {
  it('places every server folder and root file in a layer', () => {
    const unplaced = [...new Set(serverFiles.map((f) => folderOf(f)!))].filter((f) => !ORDER.includes(f));
    expect(unplaced).toEqual([]);
  });

  it('imports only its own folder or folders below it', () => {
    const upward = serverEdges
      .filter((e) => {
        const from = ORDER.indexOf(folderOf(e.from)!);
        const to = ORDER.indexOf(folderOf(e.to)!);
        return to > from;
      })
      .map((e) => `${e.from} -> ${e.to}`);
    expect(upward).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const next = new Map<string, string[]>();
    for (const e of serverEdges.filter((x) => !x.worker)) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    expect(cycles(serverFiles, (f) => next.get(f) ?? [])).toEqual([]);
  });

  it('keeps the wire contract free of the server: zod and its own files only', () => {
    const outside = importsOf(ROOT, sourceFiles(ROOT, 'server/contract')).filter((e) => !(e.to === 'zod' || e.to.startsWith('server/contract/')));
    expect(outside.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('lets the PWA and sync reach the server only through the contract', () => {
    const clients = ['pwa/src', 'sync'].filter((d) => existsSync(`${ROOT}/${d}`)).flatMap((d) => sourceFiles(ROOT, d));
    const reaching = importsOf(ROOT, clients).filter((e) => e.to.startsWith('server/') && !e.to.startsWith('server/contract/'));
    expect(reaching.map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });
});

describe('the import scanner', () => {
  it('sees an upward import and a cycle when there is one', () => {
    // Guards the test above against passing because it reads nothing.
    expect(serverEdges.length).toBeGreaterThan(300);
    expect(cycles(['a', 'b', 'c'], (n) => ({ a: ['b'], b: ['c'], c: ['a'] })[n] ?? [])).toEqual([['a', 'b', 'c']]);
    const appliance = serverEdges.filter((e) => e.from === 'server/app/appliance.ts').map((e) => folderOf(e.to));
    expect(appliance).toContain('scoring');
  });
});
