import { parseArgs } from 'node:util';
import { openAppliance, SHIPPED_MODELS_DIR } from '../app/appliance.ts';
import { listModelSets, rollbackModelSet } from '../scoring/serving/model-sets.ts';
import { ROLLED_BACK_SUFFIX } from '../scoring/serving/model-registry.ts';
import { ConfigError, loadConfigAtStart } from '../kernel/config.ts';
import { ROLES, type Role } from '../contract/enums.ts';
import { createToken, listTokens, revokeToken } from '../auth/token.service.ts';
import { addStaff, disableStaff, listStaff } from '../auth/staff.service.ts';
import { STAFF_ROLES, type StaffRole } from '../contract/session.ts';
import { rebuildEverything } from '../orchestration/rebuild.ts';
import { rescoreEveryone } from '../scoring/serving/scores.service.ts';
import { runDailySweep, sweepDepsFrom } from '../orchestration/daily-sweep.ts';
import { runImport } from './import.command.ts';
import { runStoreCommand, runSyncOnce } from './chain.command.ts';
import { runCentralTokenCommand } from './central-token.command.ts';
import { runChainConfigCommand } from './chain-config.command.ts';
import { runPredict, runTrain } from './models.command.ts';
import { runCentralTrain } from './central-train.command.ts';
import { runBackup, runRestore } from './backup.command.ts';
import { storeHistories } from '../scoring/serving/db-history.ts';
import { AppError, InputError, NewerDatabaseError } from '../kernel/errors.ts';
import { seedDemoStore } from '../demo/seed-demo-store.ts';
import { ingestDepsFrom } from '../orchestration/apply-transaction.ts';
import { runPosSimulator } from '../demo/pos-simulator.ts';
import { runTlsInit } from './tls.command.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * One CLI for the appliance: `npm run -s cli -- <command> [options]`. Output meant for machines goes to
 * stdout (a token, a JSON summary); everything for people goes to stderr.
 */

type Command = (args: string[]) => Promise<void> | void;

const commands: Record<string, { help: string; run: Command }> = {
  token: {
    help: 'token create --role <terminal|clerk|manager|hq|admin> [--name N] | token list | token revoke <id or name>   API tokens (CENTRAL=1: HQ tokens, hq|admin, in central\'s database)',
    run: async (args) => {
      const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { role: { type: 'string' }, name: { type: 'string' } } });
      const [action, id] = positionals;
      const cfg = config();
      if (cfg.CENTRAL) {
        await reportingErrors(() => runCentralTokenCommand(cfg, action, { role: values.role, name: values.name, id }));
        return;
      }
      if (action === 'create') {
        const role = values.role as Role;
        if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
        const deps = openAppliance(cfg);
        const { token } = createToken(deps.sqlite, role, values.name ?? role, deps.clock());
        deps.sqlite.close();
        process.stdout.write(`${token}\n`);
      } else if (action === 'list') {
        const deps = openAppliance(cfg);
        for (const t of listTokens(deps.sqlite)) process.stdout.write(`${JSON.stringify(t)}\n`);
        deps.sqlite.close();
      } else if (action === 'revoke' && id) {
        const deps = openAppliance(cfg);
        const revoked = revokeToken(deps.sqlite, id, deps.clock());
        deps.sqlite.close();
        if (!revoked) fail(`no live token with id ${id} (or a name only one live token has)`);
        // The server trusts a token it checked for under a second (server/auth/authenticator.ts).
        console.error(`token ${id} revoked: refused within a second`);
      } else fail('usage: token create --role <role> [--name N] | token list | token revoke <id or name>');
    },
  },
  staff: {
    help: 'staff add --name N --role <clerk|manager> --pin P | staff list | staff disable <id or name>   tablet sign-in accounts',
    run: async (args) => {
      const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { name: { type: 'string' }, role: { type: 'string' }, pin: { type: 'string' } } });
      const deps = openAppliance(config());
      try {
        if (positionals[0] === 'add') {
          const role = values.role as StaffRole;
          if (!STAFF_ROLES.includes(role)) fail(`--role must be one of ${STAFF_ROLES.join(', ')}`);
          if (!values.name || !values.pin) fail('usage: staff add --name N --role <clerk|manager> --pin P');
          const member = await addStaff(deps.sqlite, { name: values.name, role, pin: values.pin }, deps.clock());
          process.stdout.write(`${member.id}\n`);
        } else if (positionals[0] === 'list') {
          for (const m of listStaff(deps.sqlite)) {
            process.stdout.write(`${JSON.stringify({ id: m.id, name: m.name, role: m.role, disabled: m.disabledAt !== null })}\n`);
          }
        } else if (positionals[0] === 'disable' && positionals[1]) {
          const m = disableStaff(deps.sqlite, positionals[1], deps.clock());
          if (!m) fail(`no staff member ${positionals[1]}`);
          console.error(`disabled ${m.name} (${m.id})`);
        } else fail('usage: staff add --name N --role <clerk|manager> --pin P | staff list | staff disable <id or name>');
      } finally {
        deps.sqlite.close();
      }
    },
  },
  seed: {
    help: 'seed [--customers N] [--months M] [--seed S]   writes a demo store (catalog, customers, history)',
    run: (args) => {
      const { values } = parseArgs({ args, options: { customers: { type: 'string', default: '2000' }, months: { type: 'string', default: '12' }, seed: { type: 'string', default: '42' } } });
      const customers = positiveInt(values.customers, '--customers');
      const months = positiveInt(values.months, '--months');
      const deps = openAppliance(config());
      const t0 = performance.now();
      const summary = seedDemoStore(
        ingestDepsFrom(deps),
        { customers, months, seed: positiveInt(values.seed, '--seed'), now: deps.clock(), storeId: deps.config.STORE_ID, timeZone: deps.config.STORE_TZ, phoneRegion: deps.config.STORE_PHONE_REGION },
        (done, total) => process.stderr.isTTY && process.stderr.write(`\rseeding ${done}/${total} events`),
      );
      deps.sqlite.close();
      if (process.stderr.isTTY) process.stderr.write('\n');
      console.error(`seeded in ${Math.round(performance.now() - t0)} ms`);
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    },
  },
  simulate: {
    help: 'simulate --url U [--terminals K] [--rate R] [--duration S] [--token T]   live POS traffic of the demo store',
    run: async (args) => {
      const { values } = parseArgs({
        args,
        options: {
          url: { type: 'string', default: 'http://127.0.0.1:8080' },
          terminals: { type: 'string', default: '4' },
          rate: { type: 'string', default: '5' },
          duration: { type: 'string', default: '30' },
          token: { type: 'string' },
          customers: { type: 'string', default: '2000' },
          seed: { type: 'string', default: '42' },
        },
      });
      const cfg = config();
      const tokenFile = join(cfg.DATA_DIR, 'demo-tokens.json');
      const token = values.token ?? (existsSync(tokenFile) ? (JSON.parse(readFileSync(tokenFile, 'utf8')) as { terminal?: string }).terminal : undefined);
      if (!token) fail(`--token is required (no ${tokenFile})`);
      console.error(`simulating ${values.terminals} terminals at ${values.rate} tx/s for ${values.duration} s against ${values.url}`);
      const report = await runPosSimulator({
        url: values.url.replace(/\/$/, ''),
        token,
        terminals: positiveInt(values.terminals, '--terminals'),
        rate: positiveInt(values.rate, '--rate'),
        durationMs: positiveInt(values.duration, '--duration') * 1000,
        storeId: cfg.STORE_ID,
        customers: positiveInt(values.customers, '--customers'),
        seed: positiveInt(values.seed, '--seed'),
      });
      process.stdout.write(`${JSON.stringify(report)}\n`);
      if (report.failed > 0) process.exitCode = 1;
    },
  },
  import: {
    help: 'import <file.csv|.csv.gz|.xml|.xml.gz>… [--store S] [--json] [--strict]   imports history (idempotent)',
    run: async (args) => {
      const deps = openAppliance(config());
      let summary;
      try {
        summary = await runImport(deps, args);
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
      } finally {
        deps.sqlite.close();
      }
      const { values } = parseArgs({ args, allowPositionals: true, strict: false, options: { json: { type: 'boolean' } } });
      if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        process.stdout.write(
          `${summary.files} file(s): ${summary.transactions} new transactions (${summary.duplicates} already there), ${summary.lines} lines, ` +
            `${summary.customers} new customers, gross ${summary.gross_amount}, ${summary.rejected.reduce((n, g) => n + g.count, 0)} rows rejected, ${summary.seconds} s\n`,
        );
        for (const g of summary.rejected) {
          const first = g.examples[0]!;
          process.stdout.write(`  rejected ${g.count}× ${g.reason} (first: ${first.file}:${first.line ?? '?'}${first.detail ? ` ${first.detail}` : ''})\n`);
        }
      }
      for (const f of summary.failed) console.error(`import failed, nothing of it kept: ${f.error}`);
      if (summary.failed.length > 0) process.exitCode = 1;
    },
  },
  train: {
    help: 'train --lines <csv[.gz]> --as-of <ISO> --horizon-days <N> --out <dir> | train --from-db [--out <dir>]   fits the customer models and the item ranker (CENTRAL=1 --from-db: on the chain\'s histories, published to every store; prints the version)',
    run: (args) =>
      reportingErrors(async () => {
        if (!args.includes('--from-db')) return runTrain(args);
        const cfg = config();
        if (cfg.CENTRAL) return runCentralTrain(args, cfg);
        const deps = openAppliance(cfg);
        try {
          return await runTrain(args, undefined, {
            histories: (asOf) => storeHistories(deps.sqlite, asOf),
            modelsDir: join(deps.config.DATA_DIR, 'models'),
            now: deps.clock(),
          });
        } finally {
          deps.sqlite.close();
        }
      }),
  },
  predict: {
    help: 'predict --lines <csv[.gz]> --as-of <ISO> --models <dir> --k <K> --out <file.csv>   scores every customer',
    run: (args) => reportingErrors(() => runPredict(args)),
  },
  models: {
    help: 'models list | models rollback   (store) the model sets and which serves; rollback takes the served set out of service (the previous one serves; a running server swaps within MODELS_POLL_SECONDS)',
    run: (args) =>
      reportingErrors(async () => {
        const cfg = config();
        const dataModelsDir = join(cfg.DATA_DIR, 'models');
        const shipped = cfg.MODELS_DIR || SHIPPED_MODELS_DIR;
        if (args[0] === 'list' && args.length === 1) {
          for (const set of listModelSets(dataModelsDir, shipped)) process.stdout.write(`${JSON.stringify({ name: set.name, version: set.version, serving: set.serving, shipped: set.shipped })}\n`);
        } else if (args[0] === 'rollback' && args.length === 1) {
          const { rolledBack, serving } = rollbackModelSet(dataModelsDir, shipped);
          console.error(`rolled back ${rolledBack.version} (kept as ${rolledBack.name}${ROLLED_BACK_SUFFIX}; not installed again by sync); now serving:`);
          process.stdout.write(`${serving.version}\n`);
        } else throw new InputError('invalid', 'usage: models list | models rollback');
      }),
  },
  sweep: {
    help: 'sweep   runs the daily sweep now (stages, point expiry, action expiry, store thresholds)',
    run: () => {
      const deps = openAppliance(config());
      const report = runDailySweep(sweepDepsFrom(deps), deps.clock());
      deps.sqlite.close();
      process.stdout.write(`${JSON.stringify(report)}\n`);
    },
  },
  rescore: {
    help: 'rescore   scores every customer with the served models (shipped, or newest in DATA_DIR/models)',
    run: async () => {
      // A one-shot command: scoring on this thread, nothing to keep free.
      const deps = openAppliance({ ...config(), SCORING_WORKER: false });
      try {
        const t0 = performance.now();
        const version = await deps.models.reload();
        if (!version) fail('no models to serve: none shipped in models/default and none in DATA_DIR/models');
        const report = await rescoreEveryone(deps.scoring, deps.clock(), {
          onProgress: (n) => process.stderr.isTTY && process.stderr.write(`\rrescored ${n} customers`),
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        process.stdout.write(`${JSON.stringify({ ...report, seconds: Math.round(performance.now() - t0) / 1000 })}\n`);
      } finally {
        await deps.models.close();
        deps.sqlite.close();
      }
    },
  },
  store: {
    help: 'store register --id S002 [--name N] | store list | store revoke <id>   (central) the chain\'s stores; register prints the sync credential',
    run: (args) => reportingErrors(() => runStoreCommand(args, config())),
  },
  config: {
    help: 'config set KEY VALUE | config unset KEY | config show   (CENTRAL=1) the chain\'s settings (loyalty, lifecycle, guardrails, sync interval); stores take them with a pull, at their next start',
    run: (args) => reportingErrors(() => runChainConfigCommand(args, config())),
  },
  sync: {
    help: 'sync --once   (store) pushes every change to CENTRAL_URL now; exit 0 only when central has them all',
    run: (args) => {
      if (args[0] !== '--once') fail('usage: sync --once');
      return reportingErrors(() => runSyncOnce(config()));
    },
  },
  backup: {
    help: 'backup [--out FILE]   a consistent zstd copy of the store database while it serves, with FILE.sha256 (default DATA_DIR/backups/store-<id>-<UTC time>.db.zst); prints its path',
    run: (args) => reportingErrors(() => runBackup(args, config(), Date.now())),
  },
  restore: {
    help: 'restore FILE   (server stopped) verifies the checksum, integrity and schema, keeps store.db as store.db.before-restore-<time>, puts FILE in its place',
    run: (args) => reportingErrors(() => runRestore(args, config(), Date.now())),
  },
  tls: {
    help: 'tls init [--hosts a,b] [--force] [--new-ca]   store CA + this box\'s HTTPS certificate in DATA_DIR/tls (prints the CA\'s SHA-256 fingerprint); --force reissues the certificate, keeping the CA',
    run: (args) =>
      reportingErrors(async () => {
        const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { hosts: { type: 'string' }, force: { type: 'boolean' }, 'new-ca': { type: 'boolean' } } });
        if (positionals[0] !== 'init') fail('usage: tls init [--hosts a,b] [--force] [--new-ca]');
        const hosts = (values.hosts ?? '').split(',').filter((h) => h.trim().length > 0);
        const { fingerprint } = runTlsInit(config(), { hosts, force: values.force ?? false, newCa: values['new-ca'] ?? false }, Date.now(), (line) => console.error(line));
        process.stdout.write(`${fingerprint}\n`);
      }),
  },
  rebuild: {
    help: 'rebuild   recomputes every derived table (stats, points, lifecycle, RFM, catalog) from facts',
    run: () => {
      const deps = openAppliance(config());
      const report = rebuildEverything(deps, deps.clock());
      deps.sqlite.close();
      console.error(`rebuilt derived data of ${report.customers} customers in ${report.ms} ms`);
    },
  },
};

async function reportingErrors(run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    if (error instanceof InputError || error instanceof AppError || error instanceof NewerDatabaseError) fail(error.message);
    if (error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) fail(error.message);
    throw error;
  }
}

function config() {
  try {
    return loadConfigAtStart();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

function positiveInt(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fail(`${name} must be a positive integer`);
  return n;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const [name, ...rest] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  fail(`usage: cli <command>\n${Object.values(commands).map((c) => `  ${c.help}`).join('\n')}`);
}
// What a command writes under DATA_DIR (the database, models, state) is the owner's alone, as the server's.
process.umask(0o077);
try {
  await command.run(rest);
} catch (error) {
  if (error instanceof NewerDatabaseError) fail(error.message);
  // Whatever a command did not foresee: one line that says what, never a stack trace for a store's IT person.
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  console.error(`${name} failed: ${message}`);
  process.exit(1);
}
