import { existsSync, readFileSync } from 'node:fs';
import type { Context } from 'hono';
import { AppError } from '../kernel/errors.ts';
import { tlsFiles } from './tls-files.ts';

/**
 * `GET /store-ca.crt`: the store CA's certificate (public, no token), for a tablet to download and trust.
 * Served with the type iOS and Android open as "install a certificate". Read per request: `tls init` may
 * replace it while the server runs.
 */
export function storeCaCertificate(dataDir: string) {
  const file = tlsFiles(dataDir).caCert;
  return function storeCa(c: Context): Response {
    if (!existsSync(file)) throw new AppError(404, 'not_found', 'this box has no store CA: run `cli tls init`');
    c.header('content-type', 'application/x-x509-ca-cert');
    c.header('content-disposition', 'attachment; filename="store-ca.crt"');
    return c.body(readFileSync(file));
  };
}
