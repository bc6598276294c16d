import { openCentralStorage } from '../central/central-db.ts';
import { createCentralToken } from '../central/central-tokens.ts';
import { HQ_ROLES, type HqRole } from '../contract/hq.ts';
import type { Config } from '../kernel/config.ts';
import { InputError } from '../kernel/errors.ts';

/** `token create --role hq|admin` with CENTRAL=1: a headquarters token in central's database (printed alone on stdout). */
export async function createCentralTokenCommand(config: Config, role: string | undefined, name: string | undefined): Promise<void> {
  if (!(HQ_ROLES as readonly (string | undefined)[]).includes(role)) throw new InputError('invalid', `on central, --role must be one of ${HQ_ROLES.join(', ')}`);
  const storage = await openCentralStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL ?? null });
  try {
    const { token } = await createCentralToken(storage.db, role as HqRole, name ?? role!, Date.now());
    process.stdout.write(`${token}\n`);
  } finally {
    await storage.close();
  }
}
