// The Prisma CLI's configuration: the driver adapter for $DATABASE_URL, so that `db pull` and
// `migrate diff` run on the schema engine compiled to WebAssembly that ships in the `prisma`
// package (no native engine is downloaded). The schema is chosen per dialect with --schema.
import { defineConfig } from "prisma/config";

import { adapterFor } from "./adapter.mjs";

export default defineConfig({
  experimental: { adapter: true },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    return adapterFor(url);
  },
});
