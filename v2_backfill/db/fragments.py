"""Placeholders of the SQL files that take an argument (`{instant[m."updatedAt"]}`): each
adapter's `Database.fills` holds the fragments its dialect writes differently."""

from __future__ import annotations

from collections.abc import Callable


class Fragment:
    """A placeholder that takes an argument: `{name[argument]}` in a SQL file is
    `render(argument)` (the argument is SQL text and holds no `]`)."""

    def __init__(self, render: Callable[[str], str]) -> None:
        self.render = render

    def __getitem__(self, argument: str) -> str:
        return self.render(argument)


def _same(expression: str) -> str:
    """The expression itself: a fragment that a dialect needs nothing for."""
    return expression


SAME = Fragment(_same)
"""The fragment that passes its argument through as it is."""
