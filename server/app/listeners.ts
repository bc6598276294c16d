import { readFileSync } from 'node:fs';
import type { Server } from 'bun';
import type { Config } from '../kernel/config.ts';
import { UNLIMITED_BODY } from '../http/request-body.ts';
import { terminalOnly } from './terminal-port.ts';
import type { Logger } from '../kernel/log.ts';

type Fetch = (request: Request) => Response | Promise<Response>;

/** A PEM file named by a variable, or a start-up error that names the variable and the reason. */
function readPem(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${variable}: cannot read ${file} (${error instanceof Error ? error.message : String(error)}); \`cli tls init\` writes DATA_DIR/tls/server.crt and server.key`);
  }
}

/**
 * The appliance's listeners: PORT (HTTPS when TLS_CERT/TLS_KEY are set, else plain HTTP) and, with TLS, the
 * optional plain-HTTP TERMINAL_HTTP_PORT that answers POS ingest only. Each is described by one log line (`server.started`, `server.terminal_port`).
 */
export function startListeners(config: Config, fetch: Fetch, log: Logger): Server<undefined>[] {
  // Bun would refuse a body over its maxRequestBodySize itself, with a bare 413 and before any token check. The
  // routes' own limits (auth first, then limitBody, http/request-body.ts) answer that with the JSON error body.
  const common = { hostname: config.HOST, maxRequestBodySize: UNLIMITED_BODY };
  const tls = config.TLS_CERT && config.TLS_KEY ? { cert: readPem('TLS_CERT', config.TLS_CERT), key: readPem('TLS_KEY', config.TLS_KEY) } : undefined;
  const main = Bun.serve({ ...common, port: config.PORT, fetch, ...(tls ? { tls } : {}) });
  log.info('server.started', { role: 'store', store_id: config.STORE_ID, url: `${tls ? 'https' : 'http'}://${main.hostname}:${main.port}`, data_dir: config.DATA_DIR });
  const servers = [main];
  if (tls && config.TERMINAL_HTTP_PORT !== undefined) {
    const terminals = Bun.serve({ ...common, port: config.TERMINAL_HTTP_PORT, fetch: terminalOnly(fetch, log) });
    log.info('server.terminal_port', { url: `http://${terminals.hostname}:${terminals.port}`, serves: 'POS ingest only' });
    servers.push(terminals);
  }
  return servers;
}
