"""The committed notebook outputs hold no digits that a CPU could change.

nbval compares every output as text, so a number glued or printed at full
precision fails on a reader's machine whose SIMD path or BLAS kernel moves
its last bit. These tests read the committed notebooks and check that every
glued number carries at most the digits that the prose shows of it (in
``{glue:text}`name:spec```). The second nbval pass of ``make test``, on
other code paths, checks the printed outputs.
"""

import re
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest

CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "chapters").glob("*.ipynb"))
GLUE_ROLE = re.compile(r"\{glue:text\}`([A-Za-z0-9_]+)(?::([^`]*))?`")
RECORD = "application/papermill.record/text/plain"
# A chapter that glues a table of numbers in a loop may show only some of
# them; the others are rounded too, far above the last bits of a float.
MAX_DIGITS_UNSHOWN = 8


def prose_formats(notebook):
    """{glue key: set of format specs the Markdown cells show it with}."""
    formats = {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for key, spec in GLUE_ROLE.findall(cell.source):
                formats.setdefault(key, set()).add(spec)
    return formats


def glued_values(notebook):
    """{glue key: the stored text of its value}."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if RECORD in output.get("data", {}):
                values[output["metadata"]["scrapbook"]["name"]] = output["data"][RECORD]
    return values


def excess_digits(text, spec):
    """How many more digits `text` holds than format `spec` shows (0 if none)."""
    number = Decimal(text)
    if not number.is_finite():
        return 0
    match = re.fullmatch(r"[+ ]?(?:\.(\d+)([efg%])|(d))", spec)
    assert match, f"the prose uses format {spec!r}, which these tests do not know"
    if match[3]:
        return 0 if re.fullmatch(r"-?\d+", text) else 1
    digits, kind = int(match[1]), match[2]
    exponent = number.normalize().as_tuple().exponent
    significant = len(number.normalize().as_tuple().digits)
    if kind == "f":
        return max(0, -exponent - digits)
    if kind == "%":
        return max(0, -exponent - (digits + 2))
    shown = digits + 1 if kind == "e" else max(digits, 1)
    return max(0, significant - shown)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_glued_numbers_have_the_precision_the_prose_shows(path):
    notebook = nbformat.read(path, as_version=4)
    formats = prose_formats(notebook)
    values = glued_values(notebook)
    problems = []
    for key, text in sorted(values.items()):
        if text.startswith(("'", '"')):
            continue  # a glued string, such as a feature name
        specs = formats.get(key, set())
        if "" in specs and not re.fullmatch(r"-?\d+", text):
            problems.append(f"{key} = {text} is shown unformatted: glue an int")
        # A number shown as .1f in one place and .3f in another keeps 3 decimals.
        shown = specs - {""}
        if shown and min(excess_digits(text, spec) for spec in shown):
            problems.append(f"{key} = {text} is shown as {sorted(shown)}: round before gluing")
        if key not in formats:
            significant = len(Decimal(text).normalize().as_tuple().digits)
            if Decimal(text).is_finite() and significant > MAX_DIGITS_UNSHOWN:
                problems.append(f"{key} = {text} is not in the prose and has {significant} digits")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_key_the_prose_shows_is_glued(path):
    notebook = nbformat.read(path, as_version=4)
    missing = sorted(set(prose_formats(notebook)) - set(glued_values(notebook)))
    assert not missing


def test_the_checks_catch_full_precision_values():
    # The failures of a notebook that glued raw floats, as the issue saw them.
    assert excess_digits("-28.99345849447209", ".2f") == 12
    assert excess_digits("2.886579864025407e-15", ".1e") == 14
    assert excess_digits("0.958041958041958", ".1%") == 12
    assert excess_digits("4.000000000000001", ".0f") == 15
    assert excess_digits("143.0", "d") == 1
    assert excess_digits("-28.99", ".2f") == 0
    assert excess_digits("2.9e-15", ".1e") == 0
    assert excess_digits("0.958", ".1%") == 0
    assert excess_digits("0.3", ".3g") == 0
    assert excess_digits("16.6355", ".4f") == 0
    assert excess_digits("inf", ".2f") == 0
