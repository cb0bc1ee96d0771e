"""Whether a run may count as done: the gate (`gate`, with the GX checks of `gx_checks`), the
facts a reviewer reads (`review`) and their renderings (`report`)."""

EXAMPLES = 20
"""How many example rows a failing check keeps (and the report shows)."""
