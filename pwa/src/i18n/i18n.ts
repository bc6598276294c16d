import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Lang, MessageKey, Messages } from './messages.ts';

/*
 * Each language's catalog is its own chunk, loaded before the first render (main.tsx) and when the tablet
 * switches: a tablet downloads only the language it shows (the service worker precaches both for offline).
 */
const loaded: Partial<Record<Lang, Messages>> = {};

export async function loadCatalog(lang: Lang): Promise<void> {
  loaded[lang] ??= lang === 'zh' ? (await import('./zh.ts')).zh : (await import('./en.ts')).en;
}
const LOCALES: Record<Lang, string> = { zh: 'zh-CN', en: 'en-GB' };
const LANG_KEY = 'clerk.lang';

export type Params = Record<string, string | number>;

export function fill(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

const isLang = (v: string | null | undefined): v is Lang => v === 'zh' || v === 'en';

/** The tablet's language: chosen per tablet; until someone switches, the store's (STORE_LOCALE, put on <html> by the appliance). */
export function storedLang(): Lang {
  const chosen = localStorage.getItem(LANG_KEY);
  if (isLang(chosen)) return chosen;
  const store = document.documentElement.dataset.storeLang;
  return isLang(store) ? store : 'zh';
}

export function storeLang(lang: Lang): void {
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = LOCALES[lang];
}

export interface I18n {
  lang: Lang;
  locale: string;
  t: (key: MessageKey, params?: Params) => string;
  setLang: (lang: Lang) => void;
}

/** The i18n of a language whose catalog `loadCatalog` has loaded. */
export function makeI18n(lang: Lang, setLang: (lang: Lang) => void): I18n {
  const catalog = loaded[lang];
  if (!catalog) throw new Error(`the ${lang} catalog is not loaded`);
  return { lang, locale: LOCALES[lang], t: (key, params) => fill(catalog[key], params), setLang };
}

/** Outside a provider (never in the app) keys show as themselves rather than failing. */
export const I18nContext = createContext<I18n>({ lang: 'zh', locale: LOCALES.zh, t: (key) => key, setLang: () => undefined });
export const useI18n = () => useContext(I18nContext);
