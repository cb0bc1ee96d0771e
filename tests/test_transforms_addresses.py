"""Street-line matching (`transforms.addresses`) on tiny literal inputs, exact expected outputs."""

from __future__ import annotations

import pytest

from transforms.addresses import PropertyMatcher, StreetLine, street_line, tokens
from transforms.evidence import MessageEvidence, TimelineProperty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", [], id="empty"),
        pytest.param("1052 CECIL Ave", ["1052", "cecil", "ave"], id="case"),
        pytest.param("1052, Cecil; Ave.!", ["1052", "cecil", "ave"], id="punctuation"),
        pytest.param("Main_St", ["main", "st"], id="underscore-splits"),
        pytest.param("St Street STR", ["st", "st", "st"], id="street"),
        pytest.param("Ave Avenue Av", ["ave", "ave", "ave"], id="avenue"),
        pytest.param("Rd Road", ["rd", "rd"], id="road"),
        pytest.param("Dr Drive", ["dr", "dr"], id="drive"),
        pytest.param("Ln Lane", ["ln", "ln"], id="lane"),
        pytest.param("Blvd Boulevard", ["blvd", "blvd"], id="boulevard"),
        pytest.param("Ct Court", ["ct", "ct"], id="court"),
        pytest.param("Pl Place", ["pl", "pl"], id="place"),
        pytest.param("South S s.", ["s", "s", "s"], id="south"),
        pytest.param("North East West", ["n", "e", "w"], id="other-directions"),
        pytest.param("Northeast SW", ["ne", "sw"], id="diagonal-directions"),
        pytest.param("1343 South 1st Street", ["1343", "s", "1st", "st"], id="full-line"),
    ],
)
def test_tokens(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param(
            "1343 S 1st St 2, Louisville, KY 40208",
            StreetLine("1343", "s", ("1st",), "st"),
            id="direction-and-unit-dropped",
        ),
        pytest.param(
            "3418 Grandview Ave Ave, Louisville, KY 40207",
            StreetLine("3418", None, ("grandview",), "ave"),
            id="doubled-suffix",
        ),
        pytest.param(
            "1800 Gardiner Ln 3, Louisville, KY 40205",
            StreetLine("1800", None, ("gardiner",), "ln"),
            id="lane-unit-dropped",
        ),
        pytest.param(
            "2822 Esther Blvd, Louisville, KY 40220",
            StreetLine("2822", None, ("esther",), "blvd"),
            id="boulevard",
        ),
        pytest.param(
            "1052 Cecil Avenue, Louisville, KY 40211",
            StreetLine("1052", None, ("cecil",), "ave"),
            id="long-suffix",
        ),
        pytest.param(
            "500 West End Ave",
            StreetLine("500", "w", ("end",), "ave"),
            id="long-direction-no-city",
        ),
        pytest.param(
            "123 Main, Louisville",
            StreetLine("123", None, ("main",), None),
            id="no-suffix",
        ),
        pytest.param("Grandview Ave, Louisville, KY 40207", None, id="no-house-number"),
        pytest.param("1343, Louisville, KY 40208", None, id="number-only"),
        pytest.param("", None, id="empty"),
    ],
)
def test_street_line(address, expected):
    assert street_line(address) == expected


CECIL = ("cecil", "1052 Cecil Ave, Louisville, KY 40211")
FIRST = ("first", "1343 S 1st St 2, Louisville, KY 40208")
GRANDVIEW = ("grandview", "3418 Grandview Ave Ave, Louisville, KY 40207")
GARDINER = ("gardiner", "1800 Gardiner Ln 3, Louisville, KY 40205")
NO_NUMBER = ("nowhere", "Cecil Ave, Louisville, KY 40211")
EMPTY = ("empty", "")

MATCHER = PropertyMatcher([CECIL, FIRST, GRANDVIEW, GARDINER, NO_NUMBER, EMPTY])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1052 Cecil Avenue", {"cecil"}, id="long-suffix"),
        pytest.param("1052 cecil ave.", {"cecil"}, id="lower-case-dot"),
        pytest.param("1052 CECIL AVE, Louisville KY 40211", {"cecil"}, id="upper-with-city"),
        pytest.param("at 1052 Cecil!", {"cecil"}, id="no-suffix-in-text"),
        pytest.param("1343 South 1st Street", {"first"}, id="long-direction-and-suffix"),
        pytest.param("is 1343 s. 1st st. #2 free?", {"first"}, id="abbreviated-with-unit"),
        pytest.param("3418 Grandview Avenue", {"grandview"}, id="doubled-suffix-property"),
        pytest.param("1800 Gardiner Lane", {"gardiner"}, id="lane"),
        pytest.param("1052 Cecil Street", set(), id="other-suffix"),
        pytest.param("10521 Cecil Ave", set(), id="longer-number"),
        pytest.param("1052 Cecilia Ave", set(), id="longer-name"),
        pytest.param("Cecil Ave", set(), id="no-number"),
        pytest.param("1343 N 1st St", set(), id="other-direction"),
        pytest.param("1052 Grandview Ave", set(), id="number-of-one-name-of-another"),
        pytest.param("", set(), id="empty"),
        pytest.param(
            "1052 Cecil Ave or 1800 Gardiner Ln?", {"cecil", "gardiner"}, id="two-properties"
        ),
        pytest.param("1052 Cecil and 1052 Cecil Avenue again", {"cecil"}, id="same-property-twice"),
        pytest.param("🏡1052 Cecil Ave🏡", {"cecil"}, id="emoji-glued"),
        pytest.param("😍 1052 Cecil Ave 😍", {"cecil"}, id="emoji-spaced"),
        pytest.param("Hi!\n1052\nCecil\nAve\nthoughts?", {"cecil"}, id="newlines-between"),
        pytest.param("\r\n\t1343 S 1st St\r\n", {"first"}, id="surrounding-whitespace"),
    ],
)
def test_named_properties(text, expected):
    assert MATCHER.named_properties(text) == expected


def test_named_properties_without_properties():
    assert PropertyMatcher([]).named_properties("1052 Cecil Ave") == set()


def test_named_properties_only_own_addresses():
    matcher = PropertyMatcher([CECIL])
    assert matcher.named_properties("1343 S 1st St and 1800 Gardiner Ln") == set()


SUPERSCRIPT = ("sup", "² Oak St")
"""A house number that starts with no decimal digit: named by a text holding none."""


def test_needs_digits():
    assert MATCHER.needs_digits and PropertyMatcher([]).needs_digits
    assert not PropertyMatcher([CECIL, SUPERSCRIPT]).needs_digits


def test_evidence_skips_texts_without_a_digit_only_if_every_house_number_has_one():
    properties = [
        TimelineProperty(pid, "t", address, 0, 0) for pid, address in [CECIL, SUPERSCRIPT]
    ]
    evidence = MessageEvidence(properties, [])
    assert evidence.named("is ² Oak St free?") == {"sup": "address_mention"}
    assert evidence.named("is 1052 Cecil Ave free?") == {"cecil": "address_mention"}
    assert evidence.named("is it free?") == {}
