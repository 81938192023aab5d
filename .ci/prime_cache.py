"""Execute the book's notebooks into Jupyter Book's cache, in parallel.

Usage: python .ci/prime_cache.py CACHE_DIR NOTEBOOK...

Jupyter Book (myst-nb in "cache" mode) executes each notebook whose code is
not in the cache, one after another. This runs the missing ones first, one
kernel per core, and stores them in the same cache, so the build that
follows only renders. A notebook is looked up by a hash of its code cells
and kernel, so an edited notebook is re-executed and an unchanged one is
not. (Changes to imported code, such as logitutils, do not change the hash;
`make test` re-runs every notebook with nbval to catch those.)
"""

import os
import sys
import time
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor

TIMEOUT_PER_CELL = 120  # seconds, as in _config.yml and nbval


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    cache = get_cache(argv[0])
    paths = [str(Path(p).resolve()) for p in argv[1:]]
    for path in paths:
        cache.add_nb_to_project(path)
    # Forget notebooks that are no longer in the book.
    for record in cache.list_project_records():
        if record.uri not in paths:
            cache.remove_nb_from_project(record.pk)
    stale = [r.uri for r in cache.list_unexecuted() if r.uri in paths]
    if not stale:
        print(f"cache: all {len(paths)} notebooks are current")
        return 0
    for uri in stale:
        print(f"cache: executing {os.path.relpath(uri)}", flush=True)
    start = time.perf_counter()
    executor = load_executor("local-parallel", cache=cache)
    result = executor.run_and_cache(filter_uris=stale, timeout=TIMEOUT_PER_CELL)
    elapsed = time.perf_counter() - start
    print(f"cache: executed {len(result.succeeded)} of {len(stale)} notebooks in {elapsed:.1f} s")
    for uri in result.errored + result.excepted:
        print(f"cache: FAILED {uri}", file=sys.stderr)
    # The build that follows reports the failing cell with its traceback.
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
