/** A horizontal bar for `ratio` (0…1) of its cell's width; decoration only, the number is always beside it as text. */
export function Bar({ ratio, tone }: { ratio: number | null; tone: 'brand' | 'accent' | 'ok' }) {
  const width = Math.max(0, Math.min(1, ratio ?? 0)) * 100;
  return (
    <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <rect class="bar-track" x="0" y="0" width="100" height="10" rx="0" />
      <rect class={`bar-fill bar-${tone}`} x="0" y="0" width={width} height="10" />
    </svg>
  );
}
