"""The review page's own style (on top of the report's `CSS`) and its inline script.

The script works on the blocks the page already holds (rendered once, plain DOM): it reads
each block's `data-segment` and each button's `data-decision`, keeps the decisions in local
storage under the body's `data-storage-key`, and downloads them as `decisions.csv` with the
body's `data-columns`, one row per decided segment, keyed by segment.
"""

PAGE_CSS = """
.toolbar { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap;
  gap: 8px 20px; align-items: center; padding: 10px 0; background: #fff;
  border-bottom: 1px solid var(--line); }
.progress { font-weight: 700; font-variant-numeric: tabular-nums; }
.toolbar input { font: inherit; padding: 2px 6px; width: 12em; }
.toolbar button { font: inherit; padding: 4px 12px; cursor: pointer; }
.keys { font-size: 13px; }
#status { color: var(--fail); }
kbd { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px;
  padding: 0 5px; border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 4px;
  background: var(--stripe); color: var(--fg); font-weight: 400; }
section.segment { margin: 20px 0; padding: 4px 16px 12px; border: 1px solid var(--line);
  border-radius: 8px; scroll-margin-top: 80px; content-visibility: auto;
  contain-intrinsic-size: auto 480px; }
section.segment h2 { font-size: 17px; }
section.segment h2 .muted { font-size: 14px; font-weight: 400; }
section.segment h3 { font-size: 14px; margin: 12px 0 2px; }
section.segment.decided { background: var(--stripe); }
section.segment.current { border-color: var(--bar); box-shadow: 0 0 0 3px var(--bar); }
ul.reasons { margin: 4px 0; padding-left: 20px; }
ul.properties { display: flex; flex-wrap: wrap; gap: 2px 24px; margin: 0; padding: 0;
  list-style: none; font-size: 14px; }
.thread { table-layout: auto; }
.thread td.gap, .thread td.when, .thread td.sender { width: 1%; white-space: nowrap; }
.thread td.gap, .thread td.when { color: var(--muted); }
.thread td.excerpt { overflow-wrap: anywhere; white-space: pre-wrap; }
.thread tr.in-segment td { background: var(--warn-bg); }
.thread tr.in-segment td:first-child { box-shadow: inset 4px 0 var(--warn); }
.choices { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0 4px; }
button.choice { font: inherit; text-align: left; padding: 6px 12px; cursor: pointer;
  border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--fg); }
button.choice:hover { border-color: var(--bar); }
button.choice[aria-pressed="true"] { background: var(--pass-bg); border-color: var(--pass);
  box-shadow: inset 0 0 0 1px var(--pass); font-weight: 600; }
button.choice.quarantine[aria-pressed="true"] { background: var(--warn-bg);
  border-color: var(--warn); box-shadow: inset 0 0 0 1px var(--warn); }
@media print { .toolbar, .keys { display: none; } section.segment { break-inside: avoid; } }
"""

SCRIPT = """
(() => {
  "use strict";
  const storageKey = document.body.dataset.storageKey;
  const columns = document.body.dataset.columns.split(",");
  const blocks = Array.from(document.querySelectorAll("section.segment"));
  const position = new Map(blocks.map((block, at) => [block.dataset.segment, at]));
  const reviewer = document.getElementById("reviewer");
  const state = load();
  let current = -1;

  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey) || "{}");
      return {
        decisions: new Map(Object.entries(saved.decisions || {})),
        reviewer: saved.reviewer || "",
      };
    } catch (error) {
      return { decisions: new Map(), reviewer: "" };
    }
  }

  function save() {
    try {
      const saved = { decisions: Object.fromEntries(state.decisions), reviewer: state.reviewer };
      localStorage.setItem(storageKey, JSON.stringify(saved));
    } catch (error) {
      document.getElementById("status").textContent =
        "This browser keeps no decisions: download decisions.csv before closing the page.";
    }
  }

  function show(block, decision) {
    let found = false;
    for (const button of block.querySelectorAll("button.choice")) {
      const chosen = button.dataset.decision === decision;
      button.setAttribute("aria-pressed", String(chosen));
      found = found || chosen;
    }
    block.classList.toggle("decided", found);
    return found;
  }

  function count() {
    const decided = state.decisions.size;
    document.getElementById("decided").textContent = decided.toLocaleString("en-US");
  }

  function select(at, scroll) {
    if (at < 0 || at >= blocks.length) return;
    if (current >= 0) blocks[current].classList.remove("current");
    current = at;
    blocks[at].classList.add("current");
    if (scroll) blocks[at].scrollIntoView({ block: "start" });
  }

  function decide(at, decision) {
    const block = blocks[at];
    state.decisions.set(block.dataset.segment, decision);
    show(block, decision);
    save();
    count();
    select(Math.min(at + 1, blocks.length - 1), true);
  }

  function field(value) {
    return /[",\\r\\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }

  function csv() {
    const lines = [columns.join(",")];
    for (const block of blocks) {
      const decision = state.decisions.get(block.dataset.segment);
      if (decision === undefined) continue;
      const row = { segment: block.dataset.segment, decision, reviewer: reviewer.value.trim() };
      lines.push(columns.map((column) => field(row[column] || "")).join(","));
    }
    return lines.join("\\r\\n") + "\\r\\n";
  }

  function download() {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([csv()], { type: "text/csv" }));
    link.download = "decisions.csv";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || current < 0) return;
    if (event.target.closest && event.target.closest("input, textarea, select")) return;
    const key = event.key.toLowerCase();
    if (key === "j" || key === "k") {
      select(current + (key === "j" ? 1 : -1), true);
    } else if (key === "0" || key === "q") {
      decide(current, "quarantine");
    } else if (/^[1-9]$/.test(key)) {
      const choices = blocks[current].querySelectorAll("button.choice:not(.quarantine)");
      const choice = choices[Number(key) - 1];
      if (!choice) return;
      decide(current, choice.dataset.decision);
    } else {
      return;
    }
    event.preventDefault();
  }

  function onClick(event) {
    const block = event.target.closest("section.segment");
    if (!block) return;
    const choice = event.target.closest("button.choice");
    if (choice) decide(position.get(block.dataset.segment), choice.dataset.decision);
    else select(position.get(block.dataset.segment), false);
  }

  for (const [segment, decision] of state.decisions) {
    const block = blocks[position.get(segment)];
    if (!block || !show(block, decision)) state.decisions.delete(segment);
  }
  reviewer.value = state.reviewer;
  reviewer.addEventListener("input", () => {
    state.reviewer = reviewer.value;
    save();
  });
  document.getElementById("download").addEventListener("click", download);
  document.addEventListener("keydown", onKey);
  document.addEventListener("click", onClick);
  count();
  const pending = blocks.findIndex((block) => !state.decisions.has(block.dataset.segment));
  select(pending < 0 ? 0 : pending, pending > 0);
})();
"""
