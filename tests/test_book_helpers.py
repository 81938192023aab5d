"""The chapters' shared helpers in chapters/book_helpers.py.

The reference for rounding is the decimal module, which formats the exact
binary value of a float with its own arithmetic, independently of the
float formatting that the helper relies on.
"""

import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import torch

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
sys.path.insert(0, str(CHAPTERS))

import book_helpers  # noqa: E402
from book_helpers import glue_number, rounded  # noqa: E402


def decimal_reference(value, spec):
    """What `spec` shows of `value`, as the nearest float, via Decimal."""
    shown = format(Decimal(value), spec)
    if shown.endswith("%"):
        return float(Decimal(shown[:-1]).scaleb(-2))
    return float(Decimal(shown))


SPECS = [".0f", ".2f", ".4f", "+.2f", ".0e", ".1e", ".3e", ".2g", ".3g", ".0%", ".1%"]


class TestRounded:
    @pytest.mark.parametrize("spec", SPECS)
    def test_matches_decimal_formatting(self, spec):
        rng = np.random.default_rng(7)
        values = np.concatenate([
            rng.normal(size=200) * 10.0 ** rng.integers(-20, 20, size=200),
            # ties in decimal that are not ties in binary
            [0.125, 2.675, 1.005, -0.0005, 12.345, 0.5, 1.5, 2.5],
        ])
        for value in values:
            expected = decimal_reference(float(value), spec)
            assert rounded(value, spec) == expected, (value, spec)

    @pytest.mark.parametrize("spec", SPECS)
    def test_shows_the_same_text_and_no_more_digits(self, spec):
        for value in [2.3978952727983693, -28.99345849447209, 3.552713678800501e-15,
                      2000.9909243497602, 0.9866666666666667, 16.63553237915039]:
            result = rounded(value, spec)
            assert type(result) is float
            assert format(result, spec) == format(value, spec)
            assert rounded(result, spec) == result

    def test_examples_from_the_chapters(self):
        assert rounded(4.000000000000001, ".0f") == 4.0
        assert repr(rounded(-28.99345849447209, ".2f")) == "-28.99"
        assert repr(rounded(2.886579864025407e-15, ".1e")) == "2.9e-15"
        assert repr(rounded(0.9244444444, ".1%")) == "0.924"

    def test_negative_zero_becomes_zero(self):
        assert repr(rounded(-0.0001, ".2f")) == "0.0"

    def test_whole_numbers(self):
        assert rounded(np.int64(143), "d") == 143
        assert type(rounded(np.int64(143), "d")) is int
        assert rounded(4.0, "d") == 4
        with pytest.raises(ValueError, match="4.5 is not one"):
            rounded(4.5, "d")

    def test_non_finite_values_pass_through(self):
        assert np.isnan(rounded(float("nan"), ".3f"))
        assert rounded(np.float32(np.inf), ".1e") == float("inf")
        assert rounded(-np.inf, ".2f") == -float("inf")

    def test_numpy_and_torch_scalars_become_python_numbers(self):
        assert type(rounded(np.float32(0.1), ".3f")) is float
        assert rounded(np.float32(0.1), ".3f") == 0.1
        assert rounded(np.array(2.5), ".1f") == 2.5
        assert rounded(torch.tensor(0.25, dtype=torch.float64), ".2f") == 0.25
        assert rounded(torch.tensor(7), "d") == 7

    @pytest.mark.parametrize("spec", ["", "3f", ".3", ".3x", ".2s", "d2", None, 3])
    def test_unsupported_specs_are_refused(self, spec):
        with pytest.raises(ValueError, match="unsupported format"):
            rounded(1.0, spec)

    def test_arrays_are_refused(self):
        with pytest.raises(ValueError, match=r"shape \(3,\)"):
            rounded(np.ones(3), ".2f")
        with pytest.raises(ValueError, match=r"shape \(1,\)"):
            rounded(torch.ones(1), ".2f")

    @pytest.mark.parametrize("value", ["0.5", True, np.bool_(False), None, 1 + 2j])
    def test_non_numbers_are_refused(self, value):
        with pytest.raises(TypeError, match="expected a number"):
            rounded(value, ".2f")


def test_glue_number_glues_the_rounded_value(monkeypatch):
    glued = []
    monkeypatch.setattr(
        book_helpers, "glue", lambda name, value, display: glued.append((name, value, display))
    )
    assert glue_number("ch0_x", np.float64(2.3978952727983693), ".3f") == 2.398
    assert glued == [("ch0_x", 2.398, False)]
    assert type(glued[0][1]) is float


def test_deterministic_start_seeds_and_uses_one_thread():
    # In a fresh interpreter: the limits it sets last for the whole process.
    script = textwrap.dedent(
        """
        import numpy, threadpoolctl, torch
        from book_helpers import deterministic_start
        rng = deterministic_start(3)
        print(torch.get_num_threads())
        print(sorted({pool["num_threads"] for pool in threadpoolctl.threadpool_info()}))
        print(repr(rng.random()), repr(torch.rand(1).item()))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=CHAPTERS, capture_output=True, text=True, check=True
    )
    threads, pools, draws = result.stdout.splitlines()
    assert threads == "1"
    assert pools == "[1]"
    generator = torch.Generator().manual_seed(3)
    expected = (np.random.default_rng(3).random(), torch.rand(1, generator=generator).item())
    assert draws == f"{expected[0]!r} {expected[1]!r}"
