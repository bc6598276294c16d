import type { ComponentType } from 'preact';
import { useCallback, useState } from 'preact/hooks';
import { useI18n } from '../i18n/i18n.ts';

type Scanner = ComponentType<{ onDetected: (value: string) => void; onCancel: () => void }>;

/**
 * "Scan with camera": the camera code (and its barcode reader) is its own chunk, fetched on the first tap,
 * so it never weighs on the first load.
 */
export function ScanWithCamera({ onValue }: { onValue: (value: string) => void }) {
  const { t } = useI18n();
  const [Scanner, setScanner] = useState<Scanner | null>(null);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState(false);

  const open = async () => {
    setLoading(true);
    setFailed(false);
    try {
      const { CameraScanner } = await import('./camera-scanner.tsx');
      setScanner(() => CameraScanner);
    } catch {
      setFailed(true); // the chunk did not come: the appliance is out of reach
    } finally {
      setLoading(false);
    }
  };
  const close = useCallback(() => setScanner(null), []);
  const detected = useCallback(
    (value: string) => {
      setScanner(null);
      onValue(value);
    },
    [onValue],
  );

  return (
    <>
      <button type="button" class="button" disabled={loading} onClick={() => void open()}>
        {t('camera.open')}
      </button>
      {failed && (
        <p class="banner banner-error" role="alert">
          {t('error.network')}
        </p>
      )}
      {Scanner && <Scanner onDetected={detected} onCancel={close} />}
    </>
  );
}
