import { render } from 'preact';
import { App } from './app.tsx';
import { storedLang, storeLang } from './i18n/i18n.ts';
import './styles.css';

storeLang(storedLang());
const root = document.getElementById('app');
if (root) render(<App />, root);
