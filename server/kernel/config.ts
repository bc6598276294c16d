import * as z from 'zod';
import { readChainConfigFile } from './chain-config-file.ts';
import { LOG_LEVELS, processLogger } from './log.ts';

/**
 * The one reader of process.env. Everything the appliance can be told from outside is here,
 * validated once at start; a bad value stops the process with the field and the reason.
 */
const boolFromEnv = z
  .enum(['0', '1', 'true', 'false'])
  .transform((v) => v === '1' || v === 'true');

const tierSchema = z.object({ name: z.string().min(1), min_points: z.number().int().nonnegative() });

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  STORE_ID: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ or -, at most 32').default('S001'),
  STORE_NAME: z.string().min(1).default('Demo Store'),
  STORE_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code').default('CNY'),
  /** Minor units per major unit of the currency (100 for CNY/USD/EUR, 1 for JPY/KRW). */
  STORE_CURRENCY_MINOR_DIGITS: z.coerce.number().int().min(0).max(3).default(2),
  STORE_TZ: z
    .string()
    .refine((tz) => isKnownTimeZone(tz), 'unknown IANA time zone')
    .default('Asia/Shanghai'),
  /** Region used to read phone numbers written without a country code. */
  STORE_PHONE_REGION: z.string().regex(/^[A-Z]{2}$/).default('CN'),
  STORE_DEMO: boolFromEnv.default(true),
  /** The tablets' language until someone switches one (per tablet): Simplified Chinese or English. */
  STORE_LOCALE: z.enum(['zh', 'en']).default('zh'),
  /** The day the store opened (YYYY-MM-DD): a live POS post dated before it is refused. Unset: 10 years back. */
  STORE_OPENED_ON: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD').refine((d) => Number.isFinite(Date.parse(`${d}T00:00:00Z`)), 'not a real date').optional(),
  /** Points earned per whole currency unit of net amount. */
  LOYALTY_POINTS_PER_UNIT: z.coerce.number().int().min(0).max(1000).default(1),
  /** JSON object category → multiplier, e.g. {"beverages":2}. */
  LOYALTY_CATEGORY_MULTIPLIERS: z
    .string()
    .default('{}')
    .transform((s, ctx) => parseJson(s, ctx))
    .pipe(z.record(z.string(), z.number().min(0).max(100))),
  LOYALTY_RETURN_WINDOW_DAYS: z.coerce.number().int().min(0).max(365).default(14),
  LOYALTY_EXPIRY_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** Tiers on points earned in the rolling 12 months, ascending. */
  LOYALTY_TIERS: z
    .string()
    .default('[{"name":"Silver","min_points":0},{"name":"Gold","min_points":1000},{"name":"Platinum","min_points":5000}]')
    .transform((s, ctx) => parseJson(s, ctx))
    .pipe(z.array(tierSchema).min(1)),
  /** Lifecycle thresholds (DESIGN §7; Emarsys-like defaults), days. */
  LIFECYCLE_FIRST_PURCHASE_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  LIFECYCLE_ACTIVE_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  LIFECYCLE_DORMANT_DAYS: z.coerce.number().int().min(2).max(7300).default(365),
  /** Registered this long without a purchase → prospect; 0 keeps them `new`. */
  LIFECYCLE_PROSPECT_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  /** At risk when LIFECYCLE_GAP_FACTOR × the customer's own median gap has passed (customers with ≥ 3 purchases). */
  LIFECYCLE_PERSONAL_GAP: boolFromEnv.default(false),
  LIFECYCLE_GAP_FACTOR: z.coerce.number().min(1).max(10).default(2),
  /** Refund rule: a sale fully returned does not count as a purchase (so it can move a customer back). */
  LIFECYCLE_REFUNDS_UNDO_PURCHASE: boolFromEnv.default(true),
  /** Next-best-action guardrails. */
  ACTIONS_CONTACT_CAP_PER_WEEK: z.coerce.number().int().min(0).max(50).default(2),
  /** Local time window with no outbound contact (sms, email, push, call), "HH:MM-HH:MM", may wrap midnight. */
  ACTIONS_QUIET_HOURS: z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'HH:MM-HH:MM').default('21:00-09:00'),
  ACTIONS_ATTRIBUTION_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  /** Items returned within this many days are never suggested. */
  ACTIONS_RETURN_BLOCK_DAYS: z.coerce.number().int().min(0).max(365).default(90),
  /** Holidays for "holiday news": JSON [{"date":"MM-DD" or "YYYY-MM-DD","name":"…"}]. */
  HOLIDAYS: z
    .string()
    .default(
      '[{"date":"01-01","name":"New Year"},{"date":"2026-02-17","name":"Spring Festival"},{"date":"2027-02-06","name":"Spring Festival"},' +
        '{"date":"2026-09-25","name":"Mid-Autumn Festival"},{"date":"2027-09-15","name":"Mid-Autumn Festival"},' +
        '{"date":"10-01","name":"National Day"},{"date":"11-11","name":"Singles\' Day"},{"date":"12-25","name":"Christmas"}]',
    )
    .transform((s, ctx) => parseJson(s, ctx))
    .pipe(z.array(z.object({ date: z.string().regex(/^(\d{4}-)?\d{2}-\d{2}$/), name: z.string().min(1) }))),
  /** Largest accepted body of a single transaction / a batch, in bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  MAX_BATCH_BODY_BYTES: z.coerce.number().int().min(1024).default(8 * 1024 * 1024),
  /** Shipped models served until a newer set appears under DATA_DIR/models; empty = the repo's models/default. */
  MODELS_DIR: z.string().default(''),
  /** How often DATA_DIR/models is checked for a newer model set (hot swap); 0 = only at start. */
  MODELS_POLL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Score on a worker thread (the server); off, scoring runs on the caller's thread (one-shot CLI commands). */
  SCORING_WORKER: boolFromEnv.default(true),
  /** Searches by a phone's last four digits allowed per credential per minute (each answers up to 10 masked candidates). */
  PHONE_SEARCH_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(10),
  /** Customer profiles (lookups and reads by id) one credential may read per minute: an associate serves one customer at a time; a script walking card numbers is stopped. */
  PROFILE_READS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Days the log of who read customers' personal data (GET /api/v1/audit) is kept; the daily sweep prunes older rows. */
  AUDIT_KEEP_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** A staff session ends after this long without a call (the tablet locks itself then too), and after SESSION_MAX_HOURS whatever happens. */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(240).default(5),
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24).default(12),
  /** Failed sign-ins for one name or one device before it is locked for SIGN_IN_LOCK_MINUTES. */
  SIGN_IN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  SIGN_IN_LOCK_MINUTES: z.coerce.number().int().min(1).max(1440).default(5),
  /** Scoring threads that share full rescoring (each holds its own ONNX sessions and page cache); at most the box's cores. */
  SCORING_THREADS: z.coerce.number().int().min(1).max(16).default(2),
  /** This DATA_DIR (or DATABASE_URL) is headquarters' central: CLI commands of both roles (`token`) act on central's database. */
  CENTRAL: boolFromEnv.default(false),
  /** Central's PostgreSQL server (`postgres://…`); unset, central runs embedded PGlite in DATA_DIR. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
  /** Where this store pushes its changes (central's base URL) with its credential from `cli store register`; both unset: no sync. */
  CENTRAL_URL: z.url({ protocol: /^https?$/ }).optional(),
  SYNC_TOKEN: z.string().min(16).optional(),
  SYNC_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(30),
  /** Changes per push (each push is one PostgreSQL transaction at central). */
  SYNC_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(2000),
  /** Keys the digests identifiers travel as (the same for every store of the chain, ≥ 16 characters). */
  CHAIN_SECRET: z.string().min(16).optional(),
  /** Ship identifiers (card, phone, email) in clear instead of digests: the chain's deliberate choice. */
  SYNC_PII_TRANSFER: boolFromEnv.default(false),
  /** A store clock further than this from central's is reported and its pushes flagged (seconds). */
  SYNC_MAX_CLOCK_SKEW_S: z.coerce.number().int().min(1).max(86_400).default(300),
  /** Daily automatic backups into DATA_DIR/backups are kept this many days (the newest always); 0 = no automatic backups. */
  BACKUP_KEEP_DAYS: z.coerce.number().int().min(0).max(3650).default(7),
  /** PEM certificate chain and key files (`cli tls init` writes DATA_DIR/tls/server.crt|key): both set, the appliance serves HTTPS on PORT. */
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  /** With TLS: a second, plain-HTTP port for POS terminals that cannot speak TLS; it answers only the ingest endpoints. Unset: none. */
  TERMINAL_HTTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Least severe log line written: debug < info < warn < error. */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** json: one JSON object per line (for collectors); text: one readable line per event (for a person at a terminal). */
  LOG_FORMAT: z.enum(['json', 'text']).default('json'),
  /** Recommendations kept per customer. */
  SCORING_RECOMMENDATIONS: z.coerce.number().int().min(1).max(50).default(10),
});

type ConfigKey = keyof typeof configSchema.shape;

/**
 * The settings headquarters may set for the whole chain (`CENTRAL=1 cli config set`): loyalty rules, lifecycle
 * thresholds, next-best-action guardrails and the sync interval. Never a store's identity, paths, ports,
 * tokens or secrets. Each value is the text its environment variable would carry, checked by that variable's
 * own schema above (configSchema.shape[key]).
 */
export const CHAIN_SETTING_KEYS = [
  'LOYALTY_POINTS_PER_UNIT',
  'LOYALTY_CATEGORY_MULTIPLIERS',
  'LOYALTY_RETURN_WINDOW_DAYS',
  'LOYALTY_EXPIRY_DAYS',
  'LOYALTY_TIERS',
  'LIFECYCLE_FIRST_PURCHASE_DAYS',
  'LIFECYCLE_ACTIVE_DAYS',
  'LIFECYCLE_DORMANT_DAYS',
  'LIFECYCLE_PROSPECT_DAYS',
  'LIFECYCLE_PERSONAL_GAP',
  'LIFECYCLE_GAP_FACTOR',
  'LIFECYCLE_REFUNDS_UNDO_PURCHASE',
  'ACTIONS_CONTACT_CAP_PER_WEEK',
  'ACTIONS_QUIET_HOURS',
  'ACTIONS_ATTRIBUTION_DAYS',
  'ACTIONS_RETURN_BLOCK_DAYS',
  'SYNC_INTERVAL_S',
] as const satisfies readonly ConfigKey[];
export type ChainSettingKey = (typeof CHAIN_SETTING_KEYS)[number];

export function isChainSettingKey(key: string): key is ChainSettingKey {
  return (CHAIN_SETTING_KEYS as readonly string[]).includes(key);
}

/** Chain settings as central sent them (DATA_DIR/chain-config.json): unchecked until a start reads them. */
export interface ChainSettings {
  version: number;
  settings: Record<string, unknown>;
  /** Why the received settings could not be read (then there are none). */
  problem?: string | null;
}

/** What this process took from the chain settings it read at start (config is read once: no hot reload). */
export interface ChainSettingsInEffect {
  /** The version read at start; 0 when there was none. */
  version: number;
  /** Chain values in effect, as sent (the environment sets none of these keys). */
  applied: Partial<Record<ChainSettingKey, string>>;
  /** Chain settings this store's own environment overrides. */
  localOverrides: ChainSettingKey[];
  /** Chain settings not taken: unknown to this release, not settable chain-wide, or invalid. */
  ignored: { key: string; reason: string }[];
}

/** The environment's settings, and what was taken from the chain's (not an environment variable: lower case). */
export type Config = z.infer<typeof configSchema> & { chainSettings: ChainSettingsInEffect };

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
  }
}

/**
 * The configuration from the environment and, when given, the chain's settings. Precedence per key: the store's
 * own environment, then the chain's setting, then the default. A chain setting that is unknown, not settable
 * chain-wide, invalid, or that breaks a rule across fields is ignored and listed: it never stops the store.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, chain: ChainSettings | null = null): Config {
  // Field by field, so the cross-field checks still run on the fields that are valid and every problem is listed at once.
  const issues: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(configSchema.shape)) {
    const parsed = field.safeParse(env[key] === '' ? undefined : env[key]);
    if (parsed.success) values[key] = parsed.data;
    else issues.push(...parsed.error.issues.map((i) => `${[key, ...i.path].join('.')}: ${i.message}`));
  }
  issues.push(...crossFieldIssues(values as Partial<Config>).map((i) => i.message));
  if (issues.length > 0) throw new ConfigError(issues);
  const chainSettings = chain ? applyChainSettings(values, env, chain) : { version: 0, applied: {}, localOverrides: [], ignored: [] };
  return { ...(values as z.infer<typeof configSchema>), chainSettings };
}

/** Why `value` is no valid chain setting `key` (checked by its environment variable's own schema), or null. */
export function chainSettingIssue(key: string, value: unknown): string | null {
  if (!isChainSettingKey(key)) return key in configSchema.shape ? "a store's own setting, never set chain-wide" : 'unknown to this release';
  if (typeof value !== 'string') return 'not a text value';
  if (value === '') return 'empty (unset it instead)';
  const parsed = configSchema.shape[key].safeParse(value);
  return parsed.success ? null : parsed.error.issues.map((i) => [...i.path, i.message].join(': ')).join('; ');
}

/** Takes the valid chain settings the environment leaves unset into `values` (valid, in place); says what it did. */
function applyChainSettings(values: Record<string, unknown>, env: Record<string, string | undefined>, chain: ChainSettings): ChainSettingsInEffect {
  const taken: ChainSettingsInEffect = { version: chain.version, applied: {}, localOverrides: [], ignored: [] };
  if (chain.problem) taken.ignored.push({ key: '*', reason: chain.problem });
  const own = new Map<ChainSettingKey, unknown>();
  for (const [key, value] of Object.entries(chain.settings)) {
    const issue = chainSettingIssue(key, value);
    if (issue !== null || !isChainSettingKey(key) || typeof value !== 'string') {
      taken.ignored.push({ key, reason: issue ?? 'unknown to this release' });
    } else if (env[key] !== undefined && env[key] !== '') {
      taken.localOverrides.push(key);
    } else {
      own.set(key, values[key]);
      values[key] = configSchema.shape[key].parse(value);
      taken.applied[key] = value;
    }
  }
  // The environment alone broke no rule across fields (loadConfig threw otherwise). A chain value that breaks one
  // (say, a dormant window no longer than this store's active one) is put back, the rule as the reason.
  for (;;) {
    const broken = crossFieldIssues(values as Partial<Config>).find((i) => i.fields.some((f) => own.has(f as ChainSettingKey)));
    if (!broken) return taken;
    for (const field of broken.fields) {
      const key = field as ChainSettingKey;
      if (!own.has(key)) continue;
      values[key] = own.get(key);
      own.delete(key);
      delete taken.applied[key];
      taken.ignored.push({ key, reason: broken.message });
    }
  }
}

/** Checks that read several fields; each is skipped when one of its fields is itself invalid (already listed). */
function crossFieldIssues(c: Partial<Config>): { fields: ConfigKey[]; message: string }[] {
  const issues: { fields: ConfigKey[]; message: string }[] = [];
  const { LIFECYCLE_DORMANT_DAYS: dormant, LIFECYCLE_ACTIVE_DAYS: active, LIFECYCLE_FIRST_PURCHASE_DAYS: firstPurchase } = c;
  if (dormant !== undefined && active !== undefined && firstPurchase !== undefined && dormant <= Math.max(active, firstPurchase)) {
    issues.push({ fields: ['LIFECYCLE_DORMANT_DAYS', 'LIFECYCLE_ACTIVE_DAYS', 'LIFECYCLE_FIRST_PURCHASE_DAYS'], message: 'LIFECYCLE_DORMANT_DAYS must be longer than the active and first-purchase windows' });
  }
  if ((c.CENTRAL_URL === undefined) !== (c.SYNC_TOKEN === undefined)) issues.push({ fields: ['CENTRAL_URL', 'SYNC_TOKEN'], message: 'CENTRAL_URL and SYNC_TOKEN are set together (sync) or not at all' });
  if (c.CENTRAL_URL !== undefined && c.CHAIN_SECRET === undefined && !c.SYNC_PII_TRANSFER) {
    issues.push({ fields: ['CENTRAL_URL', 'CHAIN_SECRET', 'SYNC_PII_TRANSFER'], message: 'CHAIN_SECRET is needed to sync: identifiers leave the store as digests keyed by it (or set SYNC_PII_TRANSFER=1)' });
  }
  if ((c.TLS_CERT === undefined) !== (c.TLS_KEY === undefined)) issues.push({ fields: ['TLS_CERT', 'TLS_KEY'], message: 'TLS_CERT and TLS_KEY are set together (HTTPS) or not at all' });
  if (c.TERMINAL_HTTP_PORT !== undefined && c.TLS_CERT === undefined) {
    issues.push({ fields: ['TERMINAL_HTTP_PORT', 'TLS_CERT'], message: 'TERMINAL_HTTP_PORT needs TLS_CERT/TLS_KEY: without TLS, PORT already serves plain HTTP' });
  }
  if (c.TERMINAL_HTTP_PORT !== undefined && c.TERMINAL_HTTP_PORT === c.PORT) issues.push({ fields: ['TERMINAL_HTTP_PORT', 'PORT'], message: 'TERMINAL_HTTP_PORT must differ from PORT' });
  const tiers = c.LOYALTY_TIERS;
  if (tiers?.some((t, i) => i > 0 && t.min_points <= tiers[i - 1]!.min_points)) {
    issues.push({ fields: ['LOYALTY_TIERS'], message: 'LOYALTY_TIERS: min_points must be strictly ascending' });
  }
  return issues;
}

/** The configuration of a process: its environment, and the chain settings received in its DATA_DIR (chain-config-file.ts). */
export function loadConfigAtStart(env: Record<string, string | undefined> = process.env): Config {
  const dataDir = configSchema.shape.DATA_DIR.safeParse(env.DATA_DIR === '' ? undefined : env.DATA_DIR);
  // An invalid DATA_DIR is reported by loadConfig with everything else.
  const received = dataDir.success ? readChainConfigFile(dataDir.data) : { file: null, problem: null };
  const chain = received.file ? { version: received.file.version, settings: received.file.settings } : received.problem ? { version: 0, settings: {}, problem: received.problem } : null;
  return loadConfig(env, chain);
}

/**
 * For a process's entry point: the configuration, or every problem reported and exit code 2. The CLI prints
 * them for its user on stderr; the servers pass `asLogLine` (their output is a log).
 */
export function loadConfigOrExit(report: (error: ConfigError) => void = (error) => console.error(error.message)): Config {
  try {
    return loadConfigAtStart();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report(error);
    process.exit(2);
  }
}

/** A server's report of a bad configuration: one `config.invalid` JSON line on stdout (LOG_FORMAT itself may be what is wrong). */
export function asLogLine(error: ConfigError): void {
  processLogger({ LOG_LEVEL: 'error', LOG_FORMAT: 'json' }, 'stdout').error('config.invalid', { issues: error.issues });
}

/** A config for tests and tools: defaults plus overrides, no environment. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ STORE_DEMO: '0', ...overrides });
}

function parseJson(s: string, ctx: z.RefinementCtx): unknown {
  try {
    return JSON.parse(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
    return z.NEVER;
  }
}

function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Live POS posts dated before this (epoch ms) are refused: the store's opening day (UTC start), else 10 years back. */
export function earliestLivePostAt(config: Pick<Config, 'STORE_OPENED_ON'>, now: number): number {
  return config.STORE_OPENED_ON ? Date.parse(`${config.STORE_OPENED_ON}T00:00:00Z`) : now - 10 * 365.25 * 86_400_000;
}
