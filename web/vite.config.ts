// The browser app: React 19, TanStack Router (file routes, split per route), Tailwind 4. Built into
// dist/web, which the panel serves at `/` (src/http/web/static.ts).

import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import { tanstackRouter } from '@tanstack/router-plugin/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./'),
  plugins: [
    tanstackRouter({
      target: 'react',
      autoCodeSplitting: true,
      routesDirectory: here('./src/routes'),
      generatedRouteTree: here('./src/routeTree.gen.ts'),
    }),
    react(),
    tailwindcss(),
  ],
  build: { outDir: here('../dist/web'), emptyOutDir: true, reportCompressedSize: true },
});
