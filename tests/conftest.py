"""Shared test configuration for the logitutils unit tests.

Hypothesis runs with one profile everywhere: no deadline (CI machines are
noisy, and a slow example is not a wrong one), derandomized so that every run
tries the same examples (a failure seen in CI is reproducible locally), and
without the example database, which would otherwise write `.hypothesis/`
into the working tree.
"""

import numpy as np
import pytest
from hypothesis import settings

import logitutils as lu

settings.register_profile(
    "logitutils", deadline=None, derandomize=True, database=None, print_blob=True
)
settings.load_profile("logitutils")

# Shared by the test modules (``from conftest import DTYPES, dtype_id``).
DTYPES = [np.float64, np.float32]
ELEMENTWISE = [lu.sigmoid, lu.logit, lu.log_sigmoid, lu.softplus]
ROWWISE = [lu.softmax, lu.log_softmax]
REDUCTIONS = ["none", "mean", "sum"]


def dtype_id(dtype):
    """Test id of a dtype parameter: "float64"."""
    return np.dtype(dtype).name


def function_name(function):
    """Test id of a function parameter: its name."""
    return function.__name__


dtypes = pytest.mark.parametrize("dtype", DTYPES, ids=dtype_id)


# Max ulp errors measured by tests/test_accuracy.py, keyed by
# (function, dtype, library), and printed after the run.
_ULP_TABLE = {}


@pytest.fixture(scope="session")
def ulp_table():
    """A dict the accuracy tests fill with the max ulp error they measured."""
    return _ULP_TABLE


def pytest_terminal_summary(terminalreporter):
    if not _ULP_TABLE:
        return
    libraries = ("logitutils", "scipy", "torch")
    write = terminalreporter.write_line
    terminalreporter.section("max ulp error vs a 50-digit mpmath reference")
    write(f"{'function':50s} {'dtype':8s}" + "".join(f"{lib:>12s}" for lib in libraries))
    for name, dtype in sorted({key[:2] for key in _ULP_TABLE}):
        cells = []
        for lib in libraries:
            value = _ULP_TABLE.get((name, dtype, lib))
            cells.append(f"{'-':>12s}" if value is None else f"{value:12.3g}")
        write(f"{name:50s} {dtype:8s}" + "".join(cells))
