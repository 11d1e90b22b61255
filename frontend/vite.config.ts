import { defineConfig } from "vite";

// The bundle goes into the Python package, which serves it (git-ignored; built on install).
export default defineConfig({
  base: "./",
  build: {
    outDir: "../src/deepling/_static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
