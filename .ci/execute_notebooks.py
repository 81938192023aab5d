"""Re-execute chapter notebooks in place, top to bottom, in a fresh kernel.

Usage: python .ci/execute_notebooks.py [NOTEBOOK ...]   (default: chapters/*.ipynb)

The kernel starts in the notebook's folder, as it does in Jupyter and in the
book build, so the stored outputs are exactly what a reader gets.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

TIMEOUT_PER_CELL = 120  # seconds; the same limit nbval applies in `make test`


def execute(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT_PER_CELL,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        # Per-cell timestamps would change on every run and clutter diffs.
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    nbformat.write(notebook, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = [Path(p) for p in argv] or sorted(Path("chapters").glob("*.ipynb"))
    for path in paths:
        print(f"{path}: {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
