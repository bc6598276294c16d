import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/**
 * Prints what a tablet downloads before the first screen, gzipped: the entry chunk, its static imports and CSS,
 * and the catalog of the default language (zh), which main.tsx loads before the first render.
 */
export function reportFirstLoad(): Plugin {
  return {
    name: 'report-first-load',
    apply: 'build',
    generateBundle(_options, bundle) {
      const seen = new Set<string>();
      let js = 0;
      let css = 0;
      const visit = (fileName: string) => {
        if (seen.has(fileName)) return;
        seen.add(fileName);
        const item = bundle[fileName];
        if (item?.type !== 'chunk') return;
        js += gzipSync(item.code).length;
        for (const cssFile of item.viteMetadata?.importedCss ?? []) {
          const asset = bundle[cssFile];
          if (asset?.type === 'asset') css += gzipSync(asset.source).length;
        }
        item.imports.forEach(visit);
      };
      for (const item of Object.values(bundle)) {
        if (item.type === 'chunk' && (item.isEntry || item.facadeModuleId?.endsWith('/i18n/zh.ts'))) visit(item.fileName);
      }
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      this.info(`first load: JS ${kb(js)} gzipped, CSS ${kb(css)} gzipped`);
    },
  };
}
