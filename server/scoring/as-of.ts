import { InputError } from '../kernel/errors.ts';

/*
 * The as-of instant of training and prediction. A full ISO time must carry its offset (or Z). A bare date
 * (YYYY-MM-DD) means "everything of that day, wherever it was recorded": the end of the day in UTC−12
 * ("anywhere on earth"), so CDNOW's --as-of 1997-09-30 keeps the lines of Sept 30 (recorded at noon −05:00).
 */
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

export function parseAsOf(text: string | undefined, name = '--as-of'): number {
  if (text === undefined || text === '') throw new InputError('invalid', `${name} is required (ISO date or time with offset)`);
  let ms = Number.NaN;
  if (DATE_ONLY.test(text)) ms = Date.parse(`${text}T23:59:59.999-12:00`);
  else if (WITH_OFFSET.test(text)) ms = Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new InputError('invalid', `${name} must be an ISO date (YYYY-MM-DD) or a time with offset (e.g. 2001-03-01T12:00:00+08:00), got "${text}"`);
  }
  return ms;
}
