import { useState } from 'preact/hooks';
import { OUTBOUND_CHANNELS, type OutboundChannel, SEGMENTS, STAGES } from '../../../server/contract/enums.ts';
import type { ApiClient } from '../api/client.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { formatNumber } from '../i18n/format.ts';
import { useI18n } from '../i18n/i18n.ts';

type Outcome = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; file: string; rows: number } | { kind: 'error'; error: unknown };

/** Hands a blob to the browser as a download: the export needs the bearer header, so a plain link cannot fetch it. */
function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later, not at once: the browser reads the URL after the click handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export function AudienceDownload({ api }: { api: ApiClient }) {
  const { t, locale } = useI18n();
  const [channel, setChannel] = useState<OutboundChannel>('sms');
  const [stage, setStage] = useState('');
  const [segment, setSegment] = useState('');
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });

  const download = async () => {
    setOutcome({ kind: 'busy' });
    const query = new URLSearchParams({ channel });
    if (stage) query.set('stage', stage);
    if (segment) query.set('segment', segment);
    try {
      const { blob, filename } = await api.download(`/api/v1/audiences/export?${query}`);
      const file = filename ?? `audience-${channel}.csv`;
      save(blob, file);
      // Lines after the header: one per customer (a name with a line break in it, quoted, would count twice).
      const rows = (await blob.text()).split('\n').filter((line) => line.length > 0).length - 1;
      setOutcome({ kind: 'done', file, rows });
    } catch (error) {
      setOutcome({ kind: 'error', error });
    }
  };

  return (
    <section class="panel dash-panel" aria-labelledby="audience-title">
      <h3 id="audience-title">{t('dashboard.audience.title')}</h3>
      <p class="hint">{t('dashboard.audience.hint')}</p>
      <form
        class="audience-form"
        onSubmit={(e) => {
          e.preventDefault();
          void download();
        }}
      >
        <label class="field">
          <span>{t('dashboard.audience.channel')}</span>
          <select name="channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value as OutboundChannel)}>
            {OUTBOUND_CHANNELS.map((c) => (
              <option key={c} value={c}>
                {t(`channel.${c}`)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t('dashboard.audience.stage')}</span>
          <select name="stage" value={stage} onChange={(e) => setStage(e.currentTarget.value)}>
            <option value="">{t('dashboard.audience.any')}</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {t(`stage.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t('dashboard.audience.segment')}</span>
          <select name="segment" value={segment} onChange={(e) => setSegment(e.currentTarget.value)}>
            <option value="">{t('dashboard.audience.any')}</option>
            {SEGMENTS.map((s) => (
              <option key={s} value={s}>
                {t(`segment.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="button button-primary" disabled={outcome.kind === 'busy'}>
          {outcome.kind === 'busy' ? t('dashboard.audience.busy') : t('dashboard.audience.download')}
        </button>
      </form>
      <div aria-live="polite">
        {outcome.kind === 'done' && (
          <p class="banner banner-ok" role="status" data-testid="download-done">
            {t('dashboard.audience.done', { file: outcome.file, rows: formatNumber(locale, outcome.rows) })}
          </p>
        )}
        {outcome.kind === 'error' && <ErrorBanner error={outcome.error} onRetry={() => void download()} />}
      </div>
    </section>
  );
}
