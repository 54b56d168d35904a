import { defineConfig } from 'vite';

// The explorer is static files served by `permgraph serve` at `/`; it talks only to /api/v1.
// `PERMGRAPH_API` points the dev server's proxy at a running `permgraph serve`.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    sourcemap: true,
  },
  worker: { format: 'es' },
  server: {
    proxy: { '/api': process.env.PERMGRAPH_API ?? 'http://127.0.0.1:8787' },
  },
});
