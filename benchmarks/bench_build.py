"""How long building and testing the book take.

Usage: python benchmarks/bench_build.py [--runs N] [--skip-test]

Works on a scratch copy of the repository's tracked files that shares this
checkout's .venv, so nothing here is touched. Prints the median of N runs of

* a clean `make book` (empty _build, every notebook executed),
* `make book` after a prose-only edit to one chapter,
* `make book` after a code edit to one chapter (and which notebooks re-ran),
* `make test`,

and the execution time of each notebook, read from Jupyter Book's cache.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDITED_CHAPTER = "chapters/01_what_is_a_logit.ipynb"


def _tracked_files():
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [name for name in out.decode().split("\0") if name]


def _make_copy(dest):
    for name in _tracked_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    os.symlink(ROOT / ".venv", dest / ".venv")
    # The copied requirements are newer than the shared venv's stamp; tell
    # make the venv is current rather than reinstalling into it.
    (ROOT / ".venv" / ".requirements-installed").touch()


def _timed(command, cwd):
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"{' '.join(command)} failed in {cwd}")
    return elapsed, result.stdout


def _edit_notebook(path, *, code):
    notebook = json.loads(path.read_text())
    kind = "code" if code else "markdown"
    cell = next(c for c in notebook["cells"] if c["cell_type"] == kind)
    extra = "\n# benchmark edit" if code else "\n\n<!-- benchmark edit -->"
    cell["source"] = "".join(cell["source"]) + extra
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def _notebook_times(copy):
    from jupyter_cache import get_cache

    cache = get_cache(copy / "_build" / ".jupyter_cache")
    times = {}
    for record in cache.list_cache_records():
        seconds = record.data.get("execution_seconds")
        if seconds is not None:
            times[Path(record.uri).name] = seconds
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--skip-test", action="store_true", help="do not time `make test`")
    args = parser.parse_args()

    clean, prose, code, test = [], [], [], []
    per_notebook = {}
    reran = set()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as scratch:
        for run in range(args.runs):
            copy = Path(scratch) / f"run{run}"
            _make_copy(copy)
            seconds, _ = _timed(["make", "book"], copy)
            clean.append(seconds)
            for name, value in _notebook_times(copy).items():
                per_notebook.setdefault(name, []).append(value)

            _edit_notebook(copy / EDITED_CHAPTER, code=False)
            prose.append(_timed(["make", "book"], copy)[0])

            _edit_notebook(copy / EDITED_CHAPTER, code=True)
            seconds, output = _timed(["make", "book"], copy)
            code.append(seconds)
            reran.update(
                Path(line.removeprefix("cache: executing ")).name
                for line in output.splitlines()
                if line.startswith("cache: executing ")
            )
            if not args.skip_test:
                test.append(_timed(["make", "test"], copy)[0])

    def median(values):
        return f"{statistics.median(values):7.1f} s" if values else "    n/a"

    print(f"\nBuild and test times, median of {args.runs} run(s)")
    print(f"  clean `make book` (all notebooks executed) {median(clean)}")
    print(f"  `make book` after a prose edit             {median(prose)}")
    print(f"  `make book` after a code edit              {median(code)}")
    print(f"    notebooks re-executed after the code edit: {', '.join(sorted(reran)) or 'none'}")
    print(f"  `make test`                                {median(test)}")
    print("\nNotebook execution times (median, from the build's cache)")
    for name in sorted(per_notebook):
        print(f"  {name:45s} {statistics.median(per_notebook[name]):6.1f} s")
    total = sum(statistics.median(v) for v in per_notebook.values())
    print(f"  {'total':45s} {total:6.1f} s")


if __name__ == "__main__":
    main()
