"""The words and numbers the report's renderings share: figures, durations, verdicts, outcomes.

Plain text, nothing escaped: `report_html` escapes what it takes from here, `report` writes it
into markdown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BADGES = {"pass": "PASS", "fail": "FAIL", "warn": "WARN"}
"""A check's outcome (`check_result`) as its badge reads."""

NOTHING_PUBLISHED = (
    "Nothing was published: the data-quality gate failed, so the V2 tables are exactly as they "
    "were before this run. The figures, attribution, quarantine and splits below are what it "
    "would have published."
)
"""Said under the verdict of a backfill or sync whose gate failed."""

# A figure of a run that published nothing, as the words before and after its number.
_WOULD_HAVE = {
    "legacy_messages": ("read", "legacy messages"),
    "messages_migrated": ("would have migrated", "messages"),
    "messages_quarantined": ("would have quarantined", "messages"),
    "property_conversations": ("would have left V2 with", "property conversations"),
    "messages_copied": ("would have copied", "messages"),
    "messages_updated": ("would have updated", "messages"),
    "messages_already_migrated": ("found", "messages already migrated"),
    "conversations_created": ("would have created", "conversations"),
    "conversations_reused": ("would have reused", "conversations"),
    "replacements_found": ("found", "re-placements"),
    "replacements_applied": ("would have applied", "re-placements"),
}

# Durations as the CLI's options spell them (`2h`, `90m`, `30s`), largest whole unit first.
_DURATION_UNITS = (("h", 3_600_000), ("m", 60_000), ("s", 1_000))


def raw(value: Any) -> str:
    """A scalar as it appears in `data-value`: exact, no formatting."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def number(value: Any) -> str:
    """Integers with thousands separators; anything else as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "—" if value is None else raw(value)


def seconds(value: float) -> str:
    """A measured duration: `12.3 s`, or below a second in milliseconds (`40 ms`), so that a
    short step never reads `0.0 s`."""
    if value >= 1:
        return f"{value:,.1f} s"
    milliseconds = value * 1000
    return "< 1 ms" if milliseconds < 1 else f"{milliseconds:.0f} ms"


def duration_ms(value: Any) -> str:
    """A configured duration in milliseconds as the CLI's options take it: `7200000` reads
    `2h`, `5400000` `90m`, `1500` `1500ms`."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return number(value)
    for unit, size in _DURATION_UNITS:
        if value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}ms"


def counted(count: int, phrase: str) -> str:
    """`count` before the plural `phrase`, singular when it is 1: `1 property conversation`,
    `2 property conversations`, `1 message already migrated`."""
    return f"{number(count)} {singular(phrase) if count == 1 else phrase}"


def singular(phrase: str) -> str:
    """A plural noun phrase for one: its first word ending in `s` loses the `s`
    (`legacy messages` -> `legacy message`, `messages migrated` -> `message migrated`)."""
    words = phrase.split(" ")
    for index, word in enumerate(words):
        if word.endswith("s"):
            words[index] = word[:-1]
            break
    return " ".join(words)


def verdict(report: Mapping[str, Any]) -> str:
    """`FAILED`, `PASSED WITH WARNINGS` or `PASSED`, from the report's gate."""
    gate = report["gate"]
    if not gate["passed"]:
        return "FAILED"
    return "PASSED WITH WARNINGS" if gate["warnings"] else "PASSED"


def unpublished(report: Mapping[str, Any]) -> bool:
    """Whether the report is of a backfill or sync whose gate failed: nothing was published,
    its figures are what it would have published (those of `validate` are the published
    state, whatever its verdict)."""
    return not report["gate"]["passed"] and report["run"]["kind"] != "validate"


def would_have(key: str, value: Any) -> tuple[str, str]:
    """The words before and after the number of an unpublished run's figure: with them it
    reads `would have migrated 271 messages`."""
    before, after = _WOULD_HAVE.get(key, ("would have had", key.replace("_", " ")))
    return before, singular(after) if value == 1 else after


def check_result(check: Mapping[str, Any]) -> str:
    """A check's outcome: `pass`, or `fail` (critical) / `warn` (warning) when it failed."""
    if check["success"]:
        return "pass"
    return "fail" if check["severity"] == "critical" else "warn"
