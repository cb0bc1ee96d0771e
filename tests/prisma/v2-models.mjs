// Reduces a Prisma schema to the V2 tables: the models mapped to property_conversations,
// messages_v2 and notifications_v2 whole, the enums they use, and each legacy model they
// reference as a stub (its @id field and its back-relations to V2 models), plus the
// datasource. Applied to both sides of a diff, the legacy tables (which the pipeline never
// changes, and which test databases hold only in part) drop out, while the V2 foreign keys,
// which need the tables they reference, stay.
export const V2_TABLES = ["property_conversations", "messages_v2", "notifications_v2"];

const BLOCK = /^(model|enum|view|type|generator|datasource)\s+(\w+)\s*\{([\s\S]*?)^\}/gm;

function stripComment(line) {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"' && line[i - 1] !== "\\") quoted = !quoted;
    if (!quoted && line.startsWith("//", i)) return line.slice(0, i);
  }
  return line;
}

function parse(text) {
  const blocks = [];
  for (const [, kind, name, body] of text.matchAll(BLOCK)) {
    const lines = body.split("\n").map((l) => stripComment(l).trim()).filter(Boolean);
    const map = lines.map((l) => /^@@map\("([^"]+)"\)/.exec(l)).find(Boolean);
    const fields = lines
      .filter((l) => !l.startsWith("@@"))
      .map((l) => {
        const [field, type = ""] = l.split(/\s+/);
        return { line: l, field, base: type.replace(/[?[\]]/g, "") };
      });
    blocks.push({ kind, name, lines, fields, table: map ? map[1] : name });
  }
  return blocks;
}

export function onlyV2(text) {
  const blocks = parse(text);
  const models = new Map(blocks.filter((b) => b.kind === "model").map((b) => [b.name, b]));
  const enums = new Map(blocks.filter((b) => b.kind === "enum").map((b) => [b.name, b]));
  const v2 = [...models.values()].filter((m) => V2_TABLES.includes(m.table));
  const v2Names = new Set(v2.map((m) => m.name));
  const referenced = new Set(
    v2.flatMap((m) => m.fields.map((f) => f.base)).filter((t) => models.has(t) && !v2Names.has(t)),
  );
  const used = new Set(v2.flatMap((m) => m.fields.map((f) => f.base)).filter((t) => enums.has(t)));

  const out = blocks.filter((b) => b.kind === "datasource").map(render);
  for (const model of v2) out.push(render(model));
  for (const name of [...referenced].sort()) {
    const model = models.get(name);
    const keep = model.lines.filter((l) => {
      if (l.startsWith("@@")) return l.startsWith("@@map(");
      const field = model.fields.find((f) => f.line === l);
      return /\s@id\b/.test(l) || v2Names.has(field.base);
    });
    out.push(render({ ...model, lines: keep }));
  }
  for (const name of [...used].sort()) out.push(render(enums.get(name)));
  return `${out.join("\n\n")}\n`;
}

function render(block) {
  return `${block.kind} ${block.name} {\n${block.lines.map((l) => `  ${l}`).join("\n")}\n}`;
}
