import { render } from 'preact';
import { App } from './app.tsx';
import { loadCatalog, storedLang, storeLang } from './i18n/i18n.ts';
import './styles.css';

const lang = storedLang();
storeLang(lang);
await loadCatalog(lang);
const root = document.getElementById('app');
if (root) render(<App />, root);
