"""The report page's style sheet, inlined into its `<style>` (no file, nothing remote).

Printable: in print the wide tables wrap their cells rather than scroll, so no column sits
off the page's right edge.
"""

CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --stripe: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9;
  --warn: #9a6700; --warn-bg: #fff8c5; --bar: #0969da; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 32px 64px; color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
h1 { font-size: 26px; margin: 0 0 16px; }
h2 { font-size: 20px; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
section { margin: 36px 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 5px 10px; text-align: left;
  vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
tbody tr:nth-child(even) { background: var(--stripe); }
table.checks > tbody:nth-of-type(even) { background: var(--stripe); }
table.checks > tbody > tr { background: transparent; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.wide { width: 100%; }
.scroll { overflow-x: auto; }
table.rows td { overflow-wrap: anywhere; }
.muted, .none { color: var(--muted); }
.banner { padding: 18px 24px; border-radius: 8px; font-size: 32px; font-weight: 700;
  letter-spacing: 0.04em; margin-bottom: 8px; border: 2px solid; }
.banner.pass { color: var(--pass); background: var(--pass-bg); }
.banner.fail { color: var(--fail); background: var(--fail-bg); }
.banner.warn { color: var(--warn); background: var(--warn-bg); }
.badge { display: inline-block; min-width: 48px; text-align: center; padding: 1px 8px;
  border-radius: 12px; font-size: 12px; font-weight: 700; color: #fff; }
.badge.pass { background: var(--pass); }
.badge.fail { background: var(--fail); }
.badge.warn { background: var(--warn); }
.pair { display: flex; flex-wrap: wrap; gap: 8px 40px; align-items: flex-start; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr));
  gap: 12px; }
.figure { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px;
  background: var(--stripe); }
.figure-value { font-size: 28px; font-weight: 700; font-variant-numeric: tabular-nums; }
.figure-label { color: var(--muted); font-size: 13px; }
.figure.would-have { border-style: dashed; background: #fff; }
.figure.would-have .figure-value { color: var(--muted); }
.unpublished { font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr));
  gap: 0 32px; align-items: start; }
.examples > td { padding: 4px 10px 12px 32px; border-top: none; }
.examples table { width: auto; font-size: 13px; margin: 4px 0; background: #fff; }
.error { color: var(--fail); white-space: pre-wrap; margin: 4px 0; }
.chart { display: block; max-width: 100%; height: auto; margin: 8px 0; }
.chart rect { fill: var(--bar); }
.rollback code { word-break: break-all; }
.chart text { font-size: 13px; fill: var(--fg); dominant-baseline: central; }
.split { margin: 0 0 20px; }
.split h3 { margin-bottom: 2px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  section { break-inside: auto; margin: 20px 0; }
  .scroll { overflow: visible; }
  tr, .split, .chart, .figure { break-inside: avoid; }
  .banner, .badge, .figure, th, tbody tr, .chart rect { print-color-adjust: exact;
    -webkit-print-color-adjust: exact; }
}
"""
