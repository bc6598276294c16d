import { describe, expect, it } from 'vitest';
import { createLogger, errorFields, maskPersonalText } from './log.ts';
import { runInRequest } from './request-context.ts';

function logged(level: 'debug' | 'info' | 'warn' | 'error', format: 'json' | 'text' = 'json') {
  const lines: string[] = [];
  return { lines, log: createLogger({ level, format, write: (l) => lines.push(l), now: () => Date.parse('2026-12-03T07:00:00Z') }) };
}

describe('structured log', () => {
  it('writes one JSON object per event with ts, level, event and the fields; the request id inside a request', () => {
    const { lines, log } = logged('info');
    log.info('sweep.finished', { stage_changes: 3 });
    runInRequest({ requestId: 'r-1' }, () => log.warn('http.request', { status: 404 }));
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { ts: '2026-12-03T07:00:00.000Z', level: 'info', event: 'sweep.finished', stage_changes: 3 },
      { ts: '2026-12-03T07:00:00.000Z', level: 'warn', event: 'http.request', request_id: 'r-1', status: 404 },
    ]);
  });

  it('writes nothing below its level', () => {
    const { lines, log } = logged('warn');
    log.debug('a');
    log.info('b');
    log.warn('c');
    log.error('d');
    expect(lines.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['c', 'd']);
  });

  it('redacts every field named like a personal value, at any depth', () => {
    const { lines, log } = logged('debug');
    log.info('x', { phone: '13800000000', customer: { Email: 'a@b.cn', cardNo: '8800', list: [{ full_name: 'Ann' }] }, birthday: '1990-01-01', address: 'Road 1', identifier: 'id', count: 2 });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      phone: '[redacted]',
      customer: { Email: '[redacted]', cardNo: '[redacted]', list: [{ full_name: '[redacted]' }] },
      birthday: '[redacted]',
      address: '[redacted]',
      identifier: '[redacted]',
      count: 2,
    });
  });

  it('masks phone-, card- and email-like runs in free text, keeps counts and dates', () => {
    expect(maskPersonalText('UNIQUE failed for +86 138-0000-0000 and ann@example.cn on 2026-12-03 after 1234 rows')).toBe(
      'UNIQUE failed for [redacted] and [redacted] on 2026-12-03 after 1234 rows',
    );
  });

  it('logs an error by class and code, its message only when asked and masked', () => {
    const error = Object.assign(new TypeError('no customer 13800000000'), { code: 'E_X' });
    expect(errorFields(error, { message: false })).toEqual({ error: 'TypeError', error_code: 'E_X', stack: expect.any(Array) });
    expect(errorFields(error).error_message).toBe('no customer [redacted]');
  });

  it('writes a readable line in text format', () => {
    const { lines, log } = logged('info', 'text');
    log.info('server.started', { url: 'http://127.0.0.1:8080', note: 'two words' });
    expect(lines).toEqual(['2026-12-03T07:00:00.000Z INFO  server.started url=http://127.0.0.1:8080 note="two words"']);
  });
});
