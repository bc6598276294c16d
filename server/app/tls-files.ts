import { join } from 'node:path';

/** Where `cli tls init` keeps the store CA and the box's certificate; `GET /store-ca.crt` serves `caCert`. */
export function tlsFiles(dataDir: string) {
  const dir = join(dataDir, 'tls');
  return {
    dir,
    caKey: join(dir, 'ca.key'),
    caCert: join(dir, 'ca.crt'),
    serverKey: join(dir, 'server.key'),
    serverCert: join(dir, 'server.crt'),
  };
}
