"""GX Data Docs that render offline: the written pages rewritten to fetch nothing.

GX's pages load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from CDNs; without a
network they show unstyled, and the index's tables (filled by bootstrap-table from data in a
script) empty. `make_offline` rewrites every page of a Data Docs folder in place: the tables
such a script would fill are written out as plain HTML (each row linked to its page), every
script and remote style sheet is removed, a remote image points at GX's local copy under
`static/images/` (or goes), and a small inline style sheet keeps the pages readable (status
icons as characters). Vega charts, which GX draws only for distribution expectations (the
gate has none), would not be drawn. Standard library only; the rewrite is idempotent.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

_TABLE_SCRIPT = re.compile(
    r"\$\('#(?P<id>[\w-]+)'\)\.bootstrapTable\(\s*Object\.assign\(\s*\{\s*"
    r"columns: (?P<columns>.*?),\s*data: (?P<data>.*?),\s*toolbar: ",
    re.S,
)
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=\"(?:https?:)?//[^\"]*\"[^>]*>", re.I)
_REMOTE_IMAGE = re.compile(
    r"<img\b[^>]*?\bsrc=\"(?:https?:)?//[^\"]*?([^/\"?]+)(?:\?[^\"]*)?\"[^>]*>", re.I
)
_MARKER = "<style data-v2-backfill-offline>"

_STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1f2328; margin: 0 24px 48px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d1d9e0; padding: 4px 8px; text-align: left; vertical-align: top; }
ul.nav { list-style: none; display: flex; gap: 16px; padding: 0; }
.alert { padding: 8px 12px; border: 1px solid #d1d9e0; border-radius: 4px; margin: 8px 0; }
.text-success { color: #1a7f37; } .text-danger { color: #cf222e; }
.text-warning { color: #9a6700; } .text-muted { color: #59636e; }
.fas, .fa { font-style: normal; }
.fa-check-circle::before { content: "\\2714"; }
.fa-times::before, .fa-times-circle::before { content: "\\2718"; }
.fa-exclamation-triangle::before { content: "\\26A0"; }
.fa-question-circle::before { content: "?"; }
.fa-comment::before { content: "\\1F4AC"; }
.cooltip .top { display: none; }
.cooltip:hover .top { display: block; white-space: pre; }
.invisible, #ge-cta-footer, [id$="-body-table-toolbar"], .navbar-toggler { display: none; }
img { max-width: 100%; }
nav, footer, .fixed-top, .sticky-top { position: static !important; }
ol.breadcrumb { list-style: none; display: flex; gap: 8px; padding: 0; }
"""


def make_offline(docs_dir: Path) -> None:
    """Rewrite every HTML page under `docs_dir` (a GX Data Docs site) to render with no
    network; nothing happens when the folder does not exist."""
    if not docs_dir.is_dir():
        return
    for page in docs_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if _MARKER not in html:
            page.write_text(offline_page(html, page, docs_dir), encoding="utf-8")


def offline_page(html: str, page: Path, docs_dir: Path) -> str:
    """The page `page` of the site in `docs_dir`, rewritten to fetch nothing."""
    for table in _TABLE_SCRIPT.finditer(html):
        html = _fill_table(html, table["id"], table["columns"], table["data"])
    html = _SCRIPT.sub("", html)
    html = _REMOTE_LINK.sub("", html)
    html = _REMOTE_IMAGE.sub(lambda image: _local_image(image, page, docs_dir), html)
    return html.replace("</head>", f"{_MARKER}{_STYLE}</style>\n</head>", 1)


def _fill_table(html: str, table_id: str, columns_source: str, data_source: str) -> str:
    """Write the rows bootstrap-table would draw into the empty table `table_id`: one column
    per column's `field` under its `title`, each row's first cell linked to the row's page.
    Data that does not parse as GX writes it leaves the table empty."""
    try:
        columns: list[dict[str, Any]] = ast.literal_eval(columns_source)
        rows: list[dict[str, Any]] = ast.literal_eval(data_source)
    except (ValueError, SyntaxError):
        return html
    head = "".join(f"<th>{column.get('title', column['field'])}</th>" for column in columns)
    body = "".join(_table_row(row, [column["field"] for column in columns]) for row in rows)
    empty = re.compile(rf'(<table\s+id="{re.escape(table_id)}"[^>]*>)\s*</table>')
    match = empty.search(html)
    if match is None:
        return html
    table = f"{match[1]}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return html[: match.start()] + table + html[match.end() :]


def _table_row(row: dict[str, Any], fields: list[str]) -> str:
    cells = [str(row.get(field, "")) for field in fields]
    link = row.get("_table_row_link_path")
    if link and cells:
        cells[0] = f'<a href="{link}">{cells[0]}</a>'
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _local_image(image: re.Match[str], page: Path, docs_dir: Path) -> str:
    """A remote image's tag pointing at the local copy of its file, or nothing without one."""
    local = docs_dir / "static" / "images" / image[1]
    if not local.is_file():
        return ""
    relative = Path(os.path.relpath(local, page.parent)).as_posix()
    return re.sub(r"\bsrc=\"[^\"]*\"", f'src="{relative}"', image[0], count=1)
