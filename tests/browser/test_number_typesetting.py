"""Glued numbers typeset as numbers, by the extension in _ext/reader_pages.py.

Pure string checks, no browser: each expected rendering is written out by
hand from the typographic rule (U+2212 for a minus sign, x10 with a
superscript exponent for e-notation, leading zeros and "+" dropped).
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "_ext"))

from reader_pages import typeset_number_text  # noqa: E402

MINUS = "\u2212"
TIMES_TEN = "\u00d710"


@pytest.mark.parametrize(
    ("glued", "parts"),
    [
        ("-1.386", [("text", MINUS + "1.386")]),
        ("9.358e-14", [("text", "9.358" + TIMES_TEN), ("superscript", MINUS + "14")]),
        ("3.53e+05", [("text", "3.53" + TIMES_TEN), ("superscript", "5")]),
        ("-1.5e-07", [("text", MINUS + "1.5" + TIMES_TEN), ("superscript", MINUS + "7")]),
        ("2e0", [("text", "2" + TIMES_TEN), ("superscript", "0")]),
        ("(-2, 3)", [("text", f"({MINUS}2, 3)")]),
        ("-inf", [("text", MINUS + "inf")]),
    ],
)
def test_numbers_are_typeset(glued, parts):
    assert typeset_number_text(glued) == parts


@pytest.mark.parametrize(
    "unchanged",
    ["0.25", "3-4", "log-odds", "float64", "x-1", "1e6x", "", "nan"],
)
def test_words_ranges_and_names_are_left_alone(unchanged):
    assert typeset_number_text(unchanged) == [("text", unchanged)]


def test_a_number_inside_a_sentence():
    assert typeset_number_text("about 1e-16 apart") == [
        ("text", "about 1" + TIMES_TEN),
        ("superscript", MINUS + "16"),
        ("text", " apart"),
    ]


def test_non_text_is_a_type_error():
    with pytest.raises(TypeError, match="text must be a str, got float"):
        typeset_number_text(1.5)
