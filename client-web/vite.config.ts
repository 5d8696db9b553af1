import { defineConfig } from 'vite';

// During `npm run dev`, API, WebSocket and demo imagery go to a running Tessera server.
const backend = process.env.TESSERA_DEV_BACKEND ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // OpenLayers alone is ~600 kB minified; one vendor chunk keeps the app chunk small.
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks: (id) => (id.includes('node_modules') ? 'vendor' : undefined),
      },
    },
  },
  server: {
    proxy: {
      '/api': backend,
      '/imagery': backend,
      '/ws': { target: backend.replace(/^http/, 'ws'), ws: true },
    },
  },
});
