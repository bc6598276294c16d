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

/** A labelled choice; `any`, when given, is a first option with the empty value (no filter). */
function SelectField(props: { label: string; name: string; value: string; onChange: (value: string) => void; options: { value: string; label: string }[]; any?: string }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      <select name={props.name} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.any !== undefined && <option value="">{props.any}</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
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
        <SelectField
          label={t('dashboard.audience.channel')}
          name="channel"
          value={channel}
          onChange={(v) => setChannel(v as OutboundChannel)}
          options={OUTBOUND_CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}`) }))}
        />
        <SelectField
          label={t('dashboard.audience.stage')}
          name="stage"
          value={stage}
          onChange={setStage}
          any={t('dashboard.audience.any')}
          options={STAGES.map((s) => ({ value: s, label: t(`stage.${s}`) }))}
        />
        <SelectField
          label={t('dashboard.audience.segment')}
          name="segment"
          value={segment}
          onChange={setSegment}
          any={t('dashboard.audience.any')}
          options={SEGMENTS.map((s) => ({ value: s, label: t(`segment.${s}`) }))}
        />
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
