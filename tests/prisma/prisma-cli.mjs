// Runs the `prisma` CLI of this folder without native engines: the schema engine is the
// WebAssembly one (prisma.config.ts's adapter), and the engine paths point at an empty file so
// that nothing is downloaded.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, "node_modules", "prisma", "build", "index.js");

export function offlineEnv(env = process.env) {
  const out = { ...env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
  if (!out.PRISMA_SCHEMA_ENGINE_BINARY || !out.PRISMA_QUERY_ENGINE_LIBRARY) {
    const empty = join(mkdtempSync(join(tmpdir(), "prisma-no-engine-")), "none");
    closeSync(openSync(empty, "w"));
    out.PRISMA_SCHEMA_ENGINE_BINARY ??= empty;
    out.PRISMA_QUERY_ENGINE_LIBRARY ??= empty;
  }
  return out;
}

/** Run `prisma <args>` in this folder; its stdout, or an Error with its stderr. */
export function prisma(args, env = offlineEnv()) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd: HERE,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) {
    throw new Error(`prisma ${args.join(" ")} exited ${run.status}:\n${run.stderr}${run.stdout}`);
  }
  return run.stdout;
}
