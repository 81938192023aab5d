"""Packaging: optional dependencies, version, type information."""

import subprocess
import sys
import textwrap
import tomllib
from importlib.metadata import version
from pathlib import Path

import logitutils as lu

ROOT = Path(__file__).resolve().parents[1]


def _run(code):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=60)


def test_plotting_without_matplotlib_says_to_install_the_extra():
    # A meta path entry that hides matplotlib, as in a clean install.
    done = _run("""
        import sys

        class NoMatplotlib:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "matplotlib":
                    raise ImportError("No module named 'matplotlib'")

        sys.meta_path.insert(0, NoMatplotlib())
        import logitutils  # the package itself does not need matplotlib
        try:
            import logitutils.plotting
        except ImportError as exc:
            print(exc)
    """)
    assert done.returncode == 0, done.stderr
    assert "pip install 'logitutils[plot]'" in done.stdout


def test_matplotlib_is_the_plot_extra_not_a_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(d.startswith("matplotlib") for d in project["dependencies"])
    assert any(d.startswith("matplotlib")
               for d in project["optional-dependencies"]["plot"])


def test_importing_logitutils_imports_neither_torch_nor_matplotlib():
    done = _run("""
        import sys
        import numpy as np
        import logitutils as lu
        lu.softmax(np.zeros((3, 4)))
        print(sorted({"torch", "matplotlib"} & set(sys.modules)))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_one_version():
    assert lu.__version__ == version("logitutils")


def test_type_information_ships_with_the_package():
    assert (ROOT / "logitutils" / "py.typed").is_file()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in config["tool"]["setuptools"]["package-data"][
        "logitutils"]
