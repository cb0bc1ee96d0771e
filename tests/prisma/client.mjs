// Prisma Client for $DATABASE_URL: the client generated from schema/<dialect>.prisma (by
// `node generate.mjs`) over the dialect's driver adapter, and a JSON printer that writes every
// DateTime as epoch milliseconds.
import { createRequire } from "node:module";

import { adapterFor, dialectOf } from "./adapter.mjs";

const require = createRequire(import.meta.url);

export function connect() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  const { PrismaClient } = require(`./generated/${dialectOf(url)}/index.js`);
  return new PrismaClient({ adapter: adapterFor(url) });
}

export function print(value) {
  process.stdout.write(
    JSON.stringify(value, function (key, cell) {
      const raw = this[key];
      return raw instanceof Date ? raw.getTime() : cell;
    }),
  );
}
