/** The build this bundle came from (set by Vite's `define` in pwa/vite.config.ts). */
declare const __BUILD_ID__: string;
