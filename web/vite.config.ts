import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console: built into dist/console and served by the server at /console/ (no CDN, offline).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // Hashed file names: the server lets browsers keep them for a year.
    assetsDir: 'assets',
    sourcemap: false,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
