import { useEffect } from 'preact/hooks';

/** A scanner types a whole code within this many ms between keys; a slower key starts a new code. */
const MAX_GAP_MS = 1_000;
const MIN_DIGITS = 4;

function typingInAField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * A hardware barcode scanner is a keyboard: digits then Enter. Anywhere on the page (but not while a field
 * has the focus, where the digits belong to the field) they call `onScan` with the digits.
 */
export function useScanner(onScan: (digits: string) => void): void {
  useEffect(() => {
    let digits = '';
    let lastAt = 0;
    const onKey = (e: KeyboardEvent) => {
      if (typingInAField(e.target) || e.ctrlKey || e.altKey || e.metaKey) return;
      const now = e.timeStamp;
      if (now - lastAt > MAX_GAP_MS) digits = '';
      lastAt = now;
      if (/^\d$/.test(e.key)) {
        digits += e.key;
      } else if (e.key === 'Enter' && digits.length >= MIN_DIGITS) {
        e.preventDefault();
        const code = digits;
        digits = '';
        onScan(code);
      } else {
        digits = '';
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onScan]);
}
