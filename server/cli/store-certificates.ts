import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/*
 * The store's own small PKI: a CA that each tablet trusts once, and the box's server certificate signed by it.
 * RSA 2048 keys come from node:crypto (forge's pure-JS generator takes seconds); forge builds and signs the
 * X.509 certificates. The server certificate follows what iOS and Chrome require of a trusted TLS server
 * certificate: SAN names (CN is ignored), extKeyUsage serverAuth, SHA-256, at most 825 days.
 */

const DAY_MS = 86_400_000;
export const CA_DAYS = 3652; // 10 years
export const SERVER_DAYS = 825; // iOS refuses longer-lived TLS server certificates from a user-trusted CA

export interface PemPair {
  key: string;
  cert: string;
}

function newKey(): forge.pki.rsa.PrivateKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
}

function publicOf(key: forge.pki.rsa.PrivateKey): forge.pki.rsa.PublicKey {
  return forge.pki.setRsaPublicKey(key.n, key.e);
}

/** A positive 128-bit serial (the top bit clear, so DER does not read it as negative). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, now: number, days: number): void {
  // Back-dated an hour: a tablet whose clock is a little behind must not see a certificate "from the future".
  cert.validity.notBefore = new Date(now - 3_600_000);
  cert.validity.notAfter = new Date(now + days * DAY_MS);
}

export function createStoreCa(storeName: string, now: number): PemPair {
  const key = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicOf(key);
  cert.serialNumber = serial();
  validity(cert, now, CA_DAYS);
  const subject = [
    { name: 'commonName', value: `${storeName} store CA` },
    { name: 'organizationName', value: storeName },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(key), cert: forge.pki.certificateToPem(cert) };
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const isIp = (host: string) => IPV4.test(host) || host.includes(':');

/** The box's certificate for `hosts` (names and IPv4/IPv6 addresses), signed by the store CA. */
export function createServerCertificate(ca: PemPair, hosts: readonly string[], now: number): PemPair {
  if (hosts.length === 0) throw new Error('a server certificate needs at least one host name or address');
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const key = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicOf(key);
  cert.serialNumber = serial();
  validity(cert, now, SERVER_DAYS);
  cert.setSubject([{ name: 'commonName', value: hosts[0]! }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // SAN types: 2 = dNSName, 7 = iPAddress.
    { name: 'subjectAltName', altNames: hosts.map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(key), cert: forge.pki.certificateToPem(cert) };
}

/** SHA-256 of the certificate's DER, as browsers and `openssl x509 -fingerprint -sha256` show it (AB:CD:…). */
export function sha256Fingerprint(certPem: string): string {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(certPem))).getBytes();
  const hex = forge.md.sha256.create().update(der).digest().toHex().toUpperCase();
  return hex.match(/../g)!.join(':');
}
