import { readdirSync, readFileSync } from 'node:fs';

/*
 * CPU seconds used by processes, from /proc (Linux): on a box shared with other work, the CPU a step used is a
 * steadier figure of its cost than its wall time.
 */

const TICK_S = 0.01; // USER_HZ is 100 on Linux

function stat(pid: number): { ppid: number; own: number; children: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
    return { ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) * TICK_S, children: (Number(f[13]) + Number(f[14])) * TICK_S };
  } catch {
    return null;
  }
}

/** CPU seconds of a process and of every child it has reaped or still runs (a PostgreSQL postmaster's backends). */
export function processTreeCpuS(pid: number): number {
  const root = stat(pid);
  if (!root) return 0;
  let total = root.own + root.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s && s.ppid === pid) total += s.own;
  }
  return total;
}

/** This process's CPU seconds (all its threads). */
export const ownCpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
