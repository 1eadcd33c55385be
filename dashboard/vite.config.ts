/**
 * Builds the dashboard for `chinwag serve`, which serves `dist/` at `/app/` (hashed files
 * under `assets/` get immutable caching; unknown paths get `index.html`).
 *
 * No React plugin: esbuild compiles TSX by itself, and Fast Refresh is the only thing
 * the plugin would add (a dev-only nicety, not worth a dependency that trails Vite).
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/app/',
  esbuild: { jsx: 'automatic' },
  build: {
    target: 'es2022',
    assetsDir: 'assets',
    // The figure that matters is gzipped initial JavaScript: scripts/size.mjs measures it.
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev` against a local `chinwag serve` (./scripts/run).
    proxy: { '/graphql': { target: 'http://127.0.0.1:8080', ws: true }, '/widget': 'http://127.0.0.1:8080' },
  },
});
