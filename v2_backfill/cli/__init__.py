"""`v2-backfill`: a thin shell over the core -- parse, call, print, map errors to exit codes.

`entry.main` parses, dispatches to the command's handler, prints its summary and maps errors
to exit codes; `options` holds the root parser and the option groups the commands share; one
module per command group adds its parsers and handlers (`run_commands`: backfill, preview,
validate; `sync_commands`: sync, serve; `tool_commands`: demo, prisma-migration, rollback);
`render` prints summaries. A command that runs a flow prepares the run's session first
(`v2_backfill.session`), so bad input fails before any flow starts (Prefect's import
overlaps those checks, in a thread).
"""

from v2_backfill.cli.entry import main

__all__ = ["main"]
