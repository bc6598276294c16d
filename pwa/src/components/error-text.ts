import { ApiError } from '../api/api-error.ts';
import type { I18n } from '../i18n/i18n.ts';

/** What a person reads when a call failed, in the tablet's language. */
export function errorText(error: unknown, { t }: I18n): string {
  if (!(error instanceof ApiError)) return t('error.unexpected');
  if (error.kind === 'network') return t('error.network');
  if (error.kind === 'unexpected') return t('error.unexpected');
  if (error.status === 403) return t('error.forbidden');
  if (error.code === 'not_found') return t('error.not_found');
  return t('error.server', { code: error.code ?? error.status, message: error.message });
}
