import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { openCentralStorage } from '../central/central-db.ts';
import { ChainSettingError, changeChainSetting, currentChainSettings } from '../central/chain-settings.ts';
import type { Config } from '../kernel/config.ts';
import { InputError } from '../kernel/errors.ts';

const USAGE = 'usage: CENTRAL=1 cli config set KEY VALUE [--by NAME] | config unset KEY [--by NAME] | config show';

/**
 * `config set KEY VALUE | unset KEY | show` with CENTRAL=1: the chain's settings in central's database. `set` and
 * `unset` print the version in force afterwards alone on stdout; `show` prints it with the settings as one JSON line.
 */
export async function runChainConfigCommand(args: string[], config: Config): Promise<void> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { by: { type: 'string' } } });
  if (!config.CENTRAL) throw new InputError('invalid', `config acts on the chain's settings at central: ${USAGE}`);
  const [action, key, value, ...extra] = positionals;
  const valid = extra.length === 0 && ((action === 'set' && key && value !== undefined) || (action === 'unset' && key && value === undefined) || (action === 'show' && !key));
  if (!valid) throw new InputError('invalid', USAGE);
  const storage = await openCentralStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL ?? null });
  try {
    if (action === 'show') {
      const current = await currentChainSettings(storage.db);
      process.stdout.write(`${JSON.stringify(current ?? { version: 0, settings: {} })}\n`);
      return;
    }
    const by = values.by ?? userInfo().username;
    let result: { version: number; changed: boolean };
    try {
      result = await changeChainSetting(storage.db, { key: key!, value: action === 'set' ? value! : null }, by, Date.now());
    } catch (error) {
      if (error instanceof ChainSettingError) throw new InputError('invalid', error.message);
      throw error;
    }
    console.error(result.changed ? `chain settings version ${result.version}: the stores take it with their next pull, in effect at their next start` : `nothing changed: version ${result.version} stays in force`);
    process.stdout.write(`${result.version}\n`);
  } finally {
    await storage.close();
  }
}
