// The driver adapter for a database URL, as the app would configure Prisma 6.17 without
// native engines: `file:` URLs through @prisma/adapter-libsql (DateTime as INTEGER epoch ms,
// the native engine's and the pipeline's encoding), `postgresql://` through @prisma/adapter-pg
// (`?schema=` names the app schema, as in Prisma's own URLs).
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const TEXT = 25;
const NAME = 19;
const CHAR = 18; // "char"

// adapter-pg 6.17 refuses result columns of the catalogs' types `name` and `"char"`
// (prisma/orm#27403: "Column type 'name' could not be deserialized from the database"), which
// the wasm schema engine's introspection selects. Both arrive as text: this process's `pg`
// reports them as text (their parser is the identity either way). Nothing in node_modules is
// patched; the app's own tables use neither type.
let catalogTypesAsText = false;
function readCatalogTypesAsText() {
  if (catalogTypesAsText) return;
  catalogTypesAsText = true;
  const addFields = pg.Result.prototype.addFields;
  pg.Result.prototype.addFields = function (fieldDescriptions) {
    for (const field of fieldDescriptions) {
      if (field.dataTypeID === NAME || field.dataTypeID === CHAR) field.dataTypeID = TEXT;
    }
    return addFields.call(this, fieldDescriptions);
  };
}

export function dialectOf(url) {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgresql";
  throw new Error(`unsupported DATABASE_URL: ${url}`);
}

export function adapterFor(url) {
  if (dialectOf(url) === "sqlite") {
    // PRISMA_TIMESTAMP_FORMAT=iso8601: as an app on the adapter's default (and Prisma 7's).
    const timestampFormat = process.env.PRISMA_TIMESTAMP_FORMAT ?? "unixepoch-ms";
    return new PrismaLibSQL({ url }, { timestampFormat });
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? "public";
  parsed.searchParams.delete("schema");
  readCatalogTypesAsText();
  // allowExitOnIdle: the CLI never closes the adapter's pool; without it each `prisma` run
  // would wait for pg's 10 s idle timeout before exiting.
  return new PrismaPg({ connectionString: parsed.toString(), allowExitOnIdle: true }, { schema });
}
