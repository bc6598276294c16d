import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One relative import of a source file: who imports, what it names (resolved to a path from the root). */
export interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
  /** A worker started from the file (`new URL(…, import.meta.url)`): a dependency, not a module import. */
  worker: boolean;
}

// `import … from '…'`, `export … from '…'`, `import '…'`, `import('…')`, and workers' `new URL('…', import.meta.url)`.
const SPECIFIER =
  /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"](\.[^'"]+\.ts)['"]\s*,\s*import\.meta\.url/g;

export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(join(root, d), { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

/** Every import of the given files; bare specifiers (packages) are returned as they are written. */
export function importsOf(root: string, files: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[3] ?? m[4] ?? m[5];
      if (!spec) continue;
      const typeOnly = m[2] !== undefined;
      const to = spec.startsWith('.') ? relative(root, resolve(root, dirname(file), spec)).split(sep).join('/') : spec;
      edges.push({ from: file.split(sep).join('/'), to, typeOnly, worker: m[5] !== undefined });
    }
  }
  return edges;
}

/** Strongly connected components with more than one member (Tarjan), each sorted. */
export function cycles(nodes: Iterable<string>, next: (n: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return found;
}
