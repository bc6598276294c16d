import { createLogger, type Logger } from '../../server/kernel/log.ts';

/** One line of the appliance's structured log (server/kernel/log.ts). */
export interface LogLine {
  ts: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  event: string;
  request_id?: string;
  [field: string]: unknown;
}

function asLogLine(text: string): LogLine | null {
  if (!text.startsWith('{')) return null;
  try {
    const value = JSON.parse(text) as Partial<LogLine>;
    return typeof value.ts === 'string' && typeof value.level === 'string' && typeof value.event === 'string' ? (value as LogLine) : null;
  } catch {
    return null;
  }
}

/** The log lines in a process's output, in order; anything else there (a runtime's warning, a half-written last line) is skipped. */
export function logLines(output: string): LogLine[] {
  return output.split('\n').flatMap((text) => {
    const line = asLogLine(text.trim());
    return line ? [line] : [];
  });
}

/** Complete lines of the output that are not log lines (the last, unfinished line is not looked at). */
export function nonLogLines(output: string): string[] {
  return output.split('\n').slice(0, -1).filter((text) => text.trim() !== '' && asLogLine(text.trim()) === null);
}

/** The first line of `event` (whose fields match `where`, when given), or undefined. */
export function findEvent(output: string, event: string, where: (line: LogLine) => boolean = () => true): LogLine | undefined {
  return logLines(output).find((l) => l.event === event && where(l));
}

/** A logger whose lines (parsed back) land in `lines`: for code under test that takes a Logger. */
export function collectingLogger(lines: LogLine[]): Logger {
  return createLogger({ level: 'debug', format: 'json', write: (text) => lines.push(JSON.parse(text) as LogLine) });
}
