import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MiddlewareHandler } from 'hono';
import { errorResponseBody } from '../kernel/errors.ts';

export const PWA_DIST = fileURLToPath(new URL('../../pwa/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  // The camera's barcode reader: WebAssembly.instantiateStreaming insists on this type.
  '.wasm': 'application/wasm',
};

// Vite puts content-hashed names under assets/: they never change, so a tablet keeps them for a year.
// Everything else (index.html, sw.js, the manifest) is revalidated, so a new build reaches tablets at once.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** What the app shell learns from the store's configuration before anyone signs in. */
export interface ShellSettings {
  /** The language a tablet starts in (STORE_LOCALE). */
  lang: 'zh' | 'en';
}

const HTML_LANG = { zh: 'zh-CN', en: 'en-GB' } as const;

/** index.html with the store's language on `<html>`: the app reads `data-store-lang` when the tablet has no choice of its own. */
function shellHtml(html: string, settings: ShellSettings): string {
  return html.replace(/<html lang="[^"]*">/, `<html lang="${HTML_LANG[settings.lang]}" data-store-lang="${settings.lang}">`);
}

/** The PWA's file for a URL path inside `dist`, or null (a path with `..` never leaves `dist`). */
function fileFor(dist: string, path: string): string | null {
  const rel = normalize(decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, '').replace(/^[/\\]+/, '');
  const file = join(dist, rel);
  if (!file.startsWith(dist)) return null;
  return existsSync(file) && statSync(file).isFile() ? file : null;
}

/**
 * Serves the built clerk app (`npm run build:pwa` → pwa/dist) for GET and HEAD outside the API, with the SPA's
 * index.html for any other page path. Mounted after the API routes: /api, /health and /livez never reach it.
 * Without a build the appliance still runs, and the tablet gets a 503 that says what to do.
 */
export function pwaStatic(settings: ShellSettings, dist = PWA_DIST): MiddlewareHandler {
  return async function pwaStatic(c, next) {
    const path = c.req.path;
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || path === '/api' || path.startsWith('/api/')) return next();
    const index = join(dist, 'index.html');
    if (!existsSync(index)) return c.json(errorResponseBody('unavailable', 'the clerk app is not built: run `npm run build:pwa`', { cause: 'pwa_not_built' }), 503);
    let file: string | null;
    try {
      file = fileFor(dist, path);
    } catch {
      file = null; // a malformed %-escape
    }
    // A missing file that looks like an asset is a 404; any other path is a page of the app.
    if (!file && extname(path) !== '') return next();
    const served = file ?? index;
    const cache = served.startsWith(join(dist, 'assets/')) ? IMMUTABLE : REVALIDATE;
    const body = served === index ? shellHtml(readFileSync(served, 'utf8'), settings) : readFileSync(served);
    return c.body(body, 200, {
      'content-type': TYPES[extname(served)] ?? 'application/octet-stream',
      'cache-control': cache,
    });
  };
}
