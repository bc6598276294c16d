import { Component, type ComponentChildren } from 'preact';
import { I18nContext, type I18n } from '../i18n/i18n.ts';

/** A bug in a screen shows a readable message and a way back, never a blank page. */
export class ErrorBoundary extends Component<{ children: ComponentChildren }, { failed: boolean }> {
  static override contextType = I18nContext;
  override state = { failed: false };

  override componentDidCatch(error: unknown) {
    console.error(error);
    this.setState({ failed: true });
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    const { t } = this.context as I18n;
    return (
      <main id="main">
        <div class="banner banner-error" role="alert">
          <p>{t('error.unexpected')}</p>
          <button type="button" class="button" onClick={() => location.assign('/')}>
            {t('error.retry')}
          </button>
        </div>
      </main>
    );
  }
}
