"""Cache-sized, multi-threaded evaluation of array kernels.

The kernels in this package are short chains of NumPy ufuncs. Run on a large
array, each ufunc streams the whole array through memory, so a chain of ten
of them is limited by memory bandwidth, not arithmetic. Running the chain on
blocks small enough to stay in the L2 cache removes most of that traffic, and
because NumPy releases the GIL inside ufunc loops, blocks can run on all
cores at once.

Every kernel is elementwise or works on whole rows, so the result does not
depend on how the array is split: the blocking changes speed, never values.
"""

import math
import os
from concurrent.futures import ThreadPoolExecutor

__all__ = ["map_elements", "map_rows"]

# Elements per block: 2**15 float64 values are 256 KiB, which leaves room in
# a 1 MiB L2 cache for the few temporaries a kernel makes.
_BLOCK_ELEMENTS = 1 << 15
# Below this size the cost of dispatching to threads exceeds the gain.
_PARALLEL_MIN_ELEMENTS = 1 << 17

_pool = None


def _workers():
    return max(1, min(os.cpu_count() or 1, 8))


def _executor():
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="logitutils")
    return _pool


def _run(tasks):
    """Run callables, in parallel when there is more than one."""
    if len(tasks) == 1:
        tasks[0]()
        return
    # list() re-raises the first exception from any block.
    list(_executor().map(lambda task: task(), tasks))


def _spans(total, step):
    return [(start, min(start + step, total)) for start in range(0, total, step)]


def map_elements(kernel, out, *arrays):
    """Evaluate ``kernel(out_block, *array_blocks)`` over flat blocks.

    `out` and all `arrays` must be C-contiguous and of the same shape.
    Small inputs are passed to `kernel` whole, in any shape (including 0-d).
    """
    if out.size < _PARALLEL_MIN_ELEMENTS:
        kernel(out, *arrays)
        return out
    flat_out = out.reshape(-1)
    flat_in = [a.reshape(-1) for a in arrays]
    # At least _PARALLEL_MIN_ELEMENTS / _BLOCK_ELEMENTS = 4 blocks, so both
    # cores of a small machine always have work.
    step = _BLOCK_ELEMENTS
    _run([
        (lambda lo=lo, hi=hi: kernel(flat_out[lo:hi], *(a[lo:hi] for a in flat_in)))
        for lo, hi in _spans(out.size, step)
    ])
    return out


def map_rows(kernel, out, *arrays):
    """Evaluate ``kernel(out_rows, *array_rows)`` over blocks of rows.

    The first axis of every argument is split; each block keeps whole rows,
    so kernels that reduce along the last axis see complete rows.
    """
    n_rows = out.shape[0]
    row_size = max(1, math.prod(arrays[0].shape[1:]) if arrays else 1)
    if n_rows * row_size < _PARALLEL_MIN_ELEMENTS or n_rows < 2:
        kernel(out, *arrays)
        return out
    # Whole rows per block; a block holds one row when a row alone exceeds
    # the cache budget, and never more than an equal share per worker.
    step = max(1, min(_BLOCK_ELEMENTS // row_size, -(-n_rows // _workers())))
    _run([
        (lambda lo=lo, hi=hi: kernel(out[lo:hi], *(a[lo:hi] for a in arrays)))
        for lo, hi in _spans(n_rows, step)
    ])
    return out
