// V2 drift as Prisma sees it: introspect $DATABASE_URL (`prisma db pull --print`), keep the V2
// tables (with the legacy tables their foreign keys reference reduced to their primary key),
// do the same to the app's schema, and let `prisma migrate diff` write the SQL that would take
// the database's V2 tables to the app's. Prints JSON {dialect, script, statements, pulled,
// expected}; `statements` is empty when there is no V2 drift.
//
//   DATABASE_URL=file:/abs/dev.db node drift.mjs
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { dialectOf } from "./adapter.mjs";
import { HERE, offlineEnv, prisma } from "./prisma-cli.mjs";
import { onlyV2 } from "./v2-models.mjs";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is not set");
const dialect = dialectOf(url);
const env = offlineEnv();
const work = mkdtempSync(join(tmpdir(), "prisma-drift-"));
const datasource = `datasource db {\n  provider = "${dialect}"\n  url      = env("DATABASE_URL")\n}\n`;

// A schema without models: the introspection owes nothing to the app's schema.
const bare = join(work, "bare.prisma");
writeFileSync(bare, datasource);
const pulled = prisma(["db", "pull", "--print", "--schema", bare], env);

const observed = join(work, "observed.prisma");
const expected = join(work, "expected.prisma");
writeFileSync(observed, onlyV2(pulled));
writeFileSync(expected, onlyV2(readFileSync(join(HERE, "schema", `${dialect}.prisma`), "utf8")));
const script = prisma(
  ["migrate", "diff", "--from-schema-datamodel", observed, "--to-schema-datamodel", expected, "--script"],
  env,
);
const statements = script
  .split(/;\s*$/m)
  .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
  .filter((s) => s.length > 0);

process.stdout.write(
  JSON.stringify({
    dialect,
    script,
    statements,
    pulled: readFileSync(observed, "utf8"),
    expected: readFileSync(expected, "utf8"),
  }),
);
