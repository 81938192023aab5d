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
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

__all__ = ["map_elements", "map_rows", "scratch"]

# Elements per block: 2**15 float64 values are 256 KiB, which leaves room in
# a 1 MiB L2 cache for the few temporaries a kernel makes.
_BLOCK_ELEMENTS = 1 << 15
# The row kernels make about 25 NumPy calls per block (the elementwise ones
# a handful), half of them on one value per row: those run holding the GIL,
# and every large call must take the GIL back when its loop ends. With
# 2**15-element blocks two threads spent much of their time waiting for each
# other (softmax ran 1.35x faster than on one thread); 2**17-element blocks,
# whose temporaries fit in the L3 cache instead of L2, bring that to 1.75x.
_ROW_BLOCK_ELEMENTS = 1 << 17
# Below this size the cost of dispatching to threads exceeds the gain.
_PARALLEL_MIN_ELEMENTS = 1 << 17

# Per-thread scratch memory is kept up to this size; larger requests (a
# block of one enormous row) are allocated afresh each time.
_SCRATCH_KEEP_BYTES = 1 << 23
# Scratch arrays start on cache-line boundaries, as fresh allocations do.
_ALIGN = 64

_pool = None
_local = threading.local()


def _workers():
    return max(1, min(os.cpu_count() or 1, 8))


def _executor():
    global _pool
    if _pool is None:
        # The calling thread takes blocks as well, so one thread fewer.
        _pool = ThreadPoolExecutor(
            max_workers=max(1, _workers() - 1), thread_name_prefix="logitutils"
        )
    return _pool


def _run(tasks):
    """Run callables, in parallel when there is more than one."""
    if len(tasks) == 1:
        tasks[0]()
        return
    # Each thread takes the next block from a shared iterator (next() on a
    # list iterator is atomic under the GIL), so a thread that the system
    # deschedules does not leave the others idle at the end. The calling
    # thread works too rather than waiting for the pool.
    remaining = iter(tasks)

    def work():
        for task in remaining:
            task()

    helpers = [_executor().submit(work) for _ in range(min(_workers(), len(tasks)) - 1)]
    try:
        work()
    finally:
        # Even when this thread fails, wait for the helpers: the caller must
        # not see an error (or a result) while blocks are still being written.
        wait(helpers)
    for helper in helpers:
        helper.result()  # re-raises a helper's exception


class scratch:
    """Uninitialised arrays for a kernel's temporaries, reused across blocks.

    ``with scratch(like, count, dtype) as arrays:`` gives `count` arrays of
    `like`'s shape and of `dtype` (default: `like`'s). They must not be used
    after the ``with`` block, and are overwritten by the next one.

    Allocating and freeing a few hundred KiB per block makes glibc hand the
    memory back to the system and fault it in again on the next block, which
    costs more than the arithmetic. Instead each thread keeps one buffer and
    hands out its memory as a stack, so nested use is safe.
    """

    __slots__ = ("_arrays", "_top")

    def __init__(self, like, count, dtype=None):
        dtype = like.dtype if dtype is None else np.dtype(dtype)
        size = math.prod(like.shape) * dtype.itemsize
        slot = -(-size // _ALIGN) * _ALIGN
        self._top = top = getattr(_local, "top", 0)
        end = top + count * slot
        buffer = getattr(_local, "buffer", None)
        if buffer is None or buffer.size < end + _ALIGN:
            if end + _ALIGN > _SCRATCH_KEEP_BYTES:
                # Too big to keep (a block of one enormous row): a one-off
                # allocation that leaves the stack as it is.
                buffer = np.empty(count * slot + _ALIGN, np.uint8)
                top, end = 0, self._top
            else:
                # Arrays handed out before keep the old buffer alive.
                buffer = np.empty(end + _ALIGN, np.uint8)
                _local.buffer = buffer
        start = top + -buffer.ctypes.data % _ALIGN
        self._arrays = [
            buffer[start + i * slot:start + i * slot + size].view(dtype).reshape(like.shape)
            for i in range(count)
        ]
        _local.top = end

    def __enter__(self):
        return self._arrays

    def __exit__(self, *exc_info):
        _local.top = self._top


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
    # the budget, and never more than an equal share per worker.
    step = max(1, min(_ROW_BLOCK_ELEMENTS // row_size, -(-n_rows // _workers())))
    _run([
        (lambda lo=lo, hi=hi: kernel(out[lo:hi], *(a[lo:hi] for a in arrays)))
        for lo, hi in _spans(n_rows, step)
    ])
    return out
