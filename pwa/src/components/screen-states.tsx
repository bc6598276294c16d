import { ErrorBanner } from './error-banner.tsx';

/** A whole screen that is still loading: the words are announced politely. */
export function LoadingScreen({ text }: { text: string }) {
  return (
    <main id="main">
      <p class="muted" role="status">
        {text}
      </p>
    </main>
  );
}

/** A whole screen whose data could not be had: the error in the tablet's language, with a retry. */
export function FailedScreen({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <main id="main">
      <ErrorBanner error={error} onRetry={onRetry} />
    </main>
  );
}
