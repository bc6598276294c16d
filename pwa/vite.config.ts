import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { reportFirstLoad } from './first-load-size.ts';

/** Compared on each page load with the one the tablet saw last: a new one means "updated" (updated-note.tsx). */
const BUILD_ID = new Date().toISOString();

export default defineConfig({
  root: import.meta.dirname,
  define: { __BUILD_ID__: JSON.stringify(BUILD_ID) },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  // `npx vite pwa` during development: the API of an appliance running on its default port.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
  plugins: [
    preact(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script',
      includeAssets: ['icon.svg'],
      manifest: {
        name: '店员助手 Clerk',
        short_name: '店员助手',
        description: 'Customer cards for store associates',
        lang: 'zh-CN',
        start_url: '/',
        display: 'standalone',
        orientation: 'any',
        background_color: '#f6f4ef',
        theme_color: '#1f4e5f',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png}'],
        // The first visit is controlled too: a tablet that loaded the app once opens it offline.
        clientsClaim: true,
        navigateFallback: 'index.html',
        // The API is live data: never answered from the precache.
        navigateFallbackDenylist: [/^\/api\//, /^\/health/, /^\/livez/],
      },
    }),
    reportFirstLoad(),
  ],
});
