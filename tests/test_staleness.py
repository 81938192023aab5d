"""`make test` catches stale notebooks, whatever the book build reuses.

The book build reuses Jupyter Book's execution cache, which identifies a
notebook by its code cells alone. A change inside `logitutils` therefore
leaves every cached notebook "current" even when its outputs would change.
What catches it is the nbval step of `make test`, which re-executes every
chapter from scratch and compares each output with the committed one.

These tests show that on a temporary copy of the repository: they break the
copy in the two ways the cache cannot see, and check that nbval fails.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "chapters/01_what_is_a_logit.ipynb"
IGNORED = shutil.ignore_patterns(
    ".venv", "_build", ".git", ".pytest_cache", ".hypothesis", "__pycache__", "*.egg-info"
)


@pytest.fixture
def repo_copy(tmp_path):
    copy = tmp_path / "book"
    shutil.copytree(ROOT, copy, ignore=IGNORED)
    return copy


def _env(copy):
    # The copy's logitutils must shadow the editable install of the original.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy), env.get("PYTHONPATH")]))
    return env


def _run_nbval(copy):
    command = [
        sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
        "--nbval-sanitize-with", ".ci/nbval_sanitize.cfg", "--nbval-cell-timeout=120",
        "-p", "no:cacheprovider", "-q", "-x", CHAPTER,
    ]
    return subprocess.run(
        command, cwd=copy, env=_env(copy), capture_output=True, text=True, timeout=600
    )


def test_copy_imports_its_own_logitutils(repo_copy):
    result = subprocess.run(
        [sys.executable, "-c", "import logitutils; print(logitutils.__file__)"],
        cwd=repo_copy / "chapters", env=_env(repo_copy), capture_output=True, text=True,
        check=True,
    )
    assert Path(result.stdout.strip()).is_relative_to(repo_copy)


def test_unchanged_copy_passes_nbval(repo_copy):
    result = _run_nbval(repo_copy)
    assert result.returncode == 0, result.stdout[-3000:]


def test_logitutils_change_fails_nbval(repo_copy):
    # A sigmoid that is off by one part in a million: small enough to look
    # plausible, large enough to change what chapter 1 prints and asserts.
    module = repo_copy / "logitutils" / "elementwise.py"
    source = module.read_text()
    patched, count = re.subn(
        r"(\ndef sigmoid\(.*?\n    return )(.+?)\n",
        r"\1\2 * (1 + 1e-6)\n",
        source,
        count=1,
        flags=re.DOTALL,
    )
    assert count == 1, "could not find the return statement of sigmoid to patch"
    module.write_text(patched)

    result = _run_nbval(repo_copy)
    assert result.returncode != 0
    assert "FAILED" in result.stdout


def test_edited_code_without_new_outputs_fails_nbval(repo_copy):
    path = repo_copy / CHAPTER
    notebook = nbformat.read(path, as_version=4)
    printing = [
        cell for cell in notebook.cells
        if cell.cell_type == "code"
        and any(out.get("output_type") == "stream" for out in cell.get("outputs", []))
    ]
    assert printing, "the chapter has no cell that prints"
    printing[0].source += '\nprint("an edit whose output was never committed")'
    nbformat.write(notebook, path)

    result = _run_nbval(repo_copy)
    assert result.returncode != 0
    assert "FAILED" in result.stdout
