// The lazily loaded camera chunk's entry: imported only through `import()` in scan-with-camera.tsx.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n/i18n.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { createDetector, type DetectorKind } from './barcode-reader.ts';

/** Pause between two reads of the preview: enough for a card held up, light on a tablet's battery. */
const READ_EVERY_MS = 150;

interface Props {
  onDetected: (value: string) => void;
  onCancel: () => void;
}

function problemOf(error: unknown): MessageKey {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'camera.denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') return 'camera.none';
  return 'camera.failed';
}

/** A full-screen preview of the back camera that reads the first barcode or QR code it sees, then lets the camera go. */
export function CameraScanner({ onDetected, onCancel }: Props) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<MessageKey | null>(null);
  const [kind, setKind] = useState<DetectorKind | null>(null);
  const detected = useRef(onDetected);
  detected.current = onDetected;

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let live = true;
    const release = () => {
      live = false;
      if (timer) clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
    (async () => {
      if (!navigator.mediaDevices?.getUserMedia) throw new DOMException('no camera API', 'NotFoundError');
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
      if (!live) return release();
      const { detector, kind: k } = await createDetector();
      if (!live || !video.current) return release();
      setKind(k);
      video.current.srcObject = stream;
      await video.current.play();
      const read = async () => {
        if (!live || !video.current) return;
        const found = video.current.readyState >= 2 ? await detector.detect(video.current).catch(() => []) : [];
        const value = found.find((b) => b.rawValue.trim() !== '')?.rawValue.trim();
        if (!live) return;
        if (value) {
          release();
          detected.current(value);
        } else timer = setTimeout(() => void read(), READ_EVERY_MS);
      };
      void read();
    })().catch((error: unknown) => {
      release();
      setProblem(problemOf(error));
    });
    return release;
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onCancel();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onCancel]);

  return (
    <div class="camera" role="dialog" aria-modal="true" aria-labelledby="camera-title" data-detector={kind ?? ''}>
      <h2 id="camera-title">{t('camera.title')}</h2>
      {problem ? (
        <p class="banner banner-error" role="alert">
          {t(problem)}
        </p>
      ) : (
        <>
          <video ref={video} class="camera-preview" muted playsInline />
          <p role="status">{kind ? t('camera.hint') : t('camera.starting')}</p>
        </>
      )}
      <button type="button" class="button button-primary camera-cancel" onClick={onCancel} autoFocus>
        {problem ? t('camera.close') : t('camera.cancel')}
      </button>
    </div>
  );
}
