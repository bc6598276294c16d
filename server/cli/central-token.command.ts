import { openCentralStorage } from '../central/central-db.ts';
import { createCentralToken, listCentralTokens, revokeCentralToken } from '../central/central-tokens.ts';
import { HQ_ROLES, type HqRole } from '../contract/hq.ts';
import type { Config } from '../kernel/config.ts';
import { InputError } from '../kernel/errors.ts';

/**
 * `token create --role hq|admin | list | revoke <id>` with CENTRAL=1, on central's database. `create` prints the
 * token alone on stdout; `list` one JSON line per token (never the token: only its hash is kept).
 */
export async function runCentralTokenCommand(config: Config, action: string | undefined, opts: { role?: string; name?: string; id?: string }): Promise<void> {
  if (action === 'create' && !(HQ_ROLES as readonly (string | undefined)[]).includes(opts.role)) throw new InputError('invalid', `on central, --role must be one of ${HQ_ROLES.join(', ')}`);
  if (action === 'revoke' && !opts.id) throw new InputError('invalid', 'usage: token revoke <id>');
  if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new InputError('invalid', 'usage: token create --role <hq|admin> [--name N] | token list | token revoke <id>');
  const storage = await openCentralStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL ?? null });
  try {
    if (action === 'create') {
      const { token } = await createCentralToken(storage.db, opts.role as HqRole, opts.name ?? opts.role!, Date.now());
      process.stdout.write(`${token}\n`);
    } else if (action === 'list') {
      for (const t of await listCentralTokens(storage.db)) process.stdout.write(`${JSON.stringify(t)}\n`);
    } else {
      if (!(await revokeCentralToken(storage.db, opts.id!, Date.now()))) throw new InputError('not_found', `no live token ${opts.id}`);
      console.error(`token ${opts.id} revoked`);
    }
  } finally {
    await storage.close();
  }
}
