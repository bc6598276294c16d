import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * deploy/*.service: the keys the install guide relies on are there, and systemd itself accepts the units
 * (`systemd-analyze verify`, when the box has it) with the checkout's real paths put in place of /opt/….
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const INSTALL_DIR = '/opt/store-appliance';

/** section → key → values (a key may repeat). Comments and blank lines skipped; no line continuations used. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === null || eq <= 0) throw new Error(`not a unit file line: ${raw}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

const tmp = mkdtempSync(join(tmpdir(), 'deploy-units-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const hasVerify = spawnSync('systemd-analyze', ['--version']).status === 0;

const units = [
  { file: 'store-appliance.service', entry: 'server/main.ts', dataDir: '/var/lib/store-appliance' },
  { file: 'store-central.service', entry: 'server/central/main.ts', dataDir: '/var/lib/store-central' },
];

describe('systemd units in deploy/', () => {
  for (const unit of units) {
    it(`${unit.file} has what the install guide relies on`, () => {
      const text = readFileSync(join(ROOT, 'deploy', unit.file), 'utf8');
      const parsed = parseUnit(text);
      const service = parsed.get('Service');
      expect(service).toBeDefined();
      const one = (key: string) => service!.get(key)?.at(-1);
      expect(parsed.get('Unit')?.get('Description')).toBeDefined();
      expect(parsed.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
      expect(one('User')).toMatch(/^store-/);
      expect(one('WorkingDirectory')).toBe(INSTALL_DIR);
      expect(one('EnvironmentFile')).toMatch(/^\/etc\/store-appliance\/.+\.env$/);
      expect(one('ExecStart')).toBe(`${INSTALL_DIR}/node_modules/.bin/bun ${unit.entry}`);
      expect(one('Restart')).toBe('on-failure');
      expect(one('KillSignal')).toBe('SIGTERM');
      // Longer than the appliance's own 9 s hard stop (server/app/graceful-stop.ts), so it exits by itself.
      expect(Number(one('TimeoutStopSec'))).toBeGreaterThan(9);
      expect(one('NoNewPrivileges')).toBe('yes');
      expect(one('ProtectSystem')).toBe('strict');
      expect(one('ReadWritePaths')).toBe(unit.dataDir);
    });

    it.skipIf(!hasVerify)(`${unit.file} passes systemd-analyze verify`, () => {
      // The checkout stands in for /opt/store-appliance, so ExecStart names a binary that exists here.
      const copy = join(tmp, unit.file);
      writeFileSync(copy, readFileSync(join(ROOT, 'deploy', unit.file), 'utf8').replaceAll(INSTALL_DIR, ROOT.replace(/\/$/, '')));
      const verify = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
      // verify only warns about unknown keys and bad values: any line about our file is a failure.
      const complaints = `${verify.stdout}\n${verify.stderr}`.split('\n').filter((l) => l.includes(unit.file));
      expect(complaints).toEqual([]);
      expect(verify.status).toBe(0);
    });
  }
});
