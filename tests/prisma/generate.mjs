// Generates Prisma Client for both schema variants into generated/<dialect>/ (not in git).
import { offlineEnv, prisma } from "./prisma-cli.mjs";

const placeholder = { sqlite: "file:./unused.db", postgresql: "postgresql://unused@localhost/x" };
for (const [dialect, url] of Object.entries(placeholder)) {
  prisma(["generate", "--schema", `schema/${dialect}.prisma`], offlineEnv({ ...process.env, DATABASE_URL: url }));
}
