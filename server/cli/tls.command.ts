import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import type { Config } from '../kernel/config.ts';
import { InputError } from '../kernel/errors.ts';
import { tlsFiles } from '../app/tls-files.ts';
import { createServerCertificate, createStoreCa, type PemPair, sha256Fingerprint } from './store-certificates.ts';

/** The names and addresses a tablet may use for the box: its host name, hostname.local (mDNS), localhost, every LAN address. */
export function boxHosts(extra: readonly string[]): string[] {
  const name = hostname();
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal)
    .map((a) => a.address);
  const all = [name, `${name}.local`, 'localhost', '127.0.0.1', ...addresses, ...extra].map((h) => h.trim()).filter((h) => h.length > 0);
  return [...new Set(all)];
}

const writeKey = (file: string, pem: string) => {
  writeFileSync(file, pem, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode above only applies when the file is created
};

/**
 * `tls init [--hosts a,b] [--force] [--new-ca]`. Refuses to overwrite without --force. With --force, an existing
 * store CA is kept and only the server certificate is issued again (tablets that trust the CA go on trusting
 * the box); --new-ca replaces the CA too, and every tablet must then install it again.
 */
export function runTlsInit(config: Config, opts: { hosts: string[]; force: boolean; newCa: boolean }, now: number, say: (line: string) => void): { fingerprint: string } {
  const files = tlsFiles(config.DATA_DIR);
  const present = [files.caKey, files.caCert, files.serverKey, files.serverCert].filter((f) => existsSync(f));
  if (present.length > 0 && !opts.force) {
    throw new InputError('invalid', `${present.join(', ')} already exist: --force issues a new server certificate (keeping the CA), --force --new-ca replaces the CA too`);
  }
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const keepCa = !opts.newCa && existsSync(files.caKey) && existsSync(files.caCert);
  const ca: PemPair = keepCa ? { key: readFileSync(files.caKey, 'utf8'), cert: readFileSync(files.caCert, 'utf8') } : createStoreCa(config.STORE_NAME, now);
  if (!keepCa) {
    writeKey(files.caKey, ca.key);
    writeFileSync(files.caCert, ca.cert);
  }
  const hosts = boxHosts(opts.hosts);
  const server = createServerCertificate(ca, hosts, now);
  writeKey(files.serverKey, server.key);
  writeFileSync(files.serverCert, server.cert);

  const fingerprint = sha256Fingerprint(ca.cert);
  say(keepCa ? `kept the store CA ${files.caCert}` : `wrote the store CA ${files.caCert} (key ${files.caKey}, 0600; 10 years)`);
  say(`wrote the server certificate ${files.serverCert} (key ${files.serverKey}, 0600; 825 days) for:\n  ${hosts.join('\n  ')}`);
  say(`serve HTTPS with TLS_CERT=${files.serverCert} TLS_KEY=${files.serverKey}`);
  say(`tablets: open https://<box>/store-ca.crt and check this SHA-256 fingerprint before trusting it:`);
  return { fingerprint };
}
