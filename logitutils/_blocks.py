"""Cache-sized, multi-threaded evaluation of array kernels.

The kernels in this package are short chains of NumPy ufuncs. Run on a large
array, each ufunc streams the whole array through memory, so a chain of ten
of them is limited by memory bandwidth, not arithmetic. Running the chain on
blocks small enough to stay in the L2 cache removes most of that traffic, and
because NumPy releases the GIL inside ufunc loops, blocks can run on all
cores at once.

Every kernel is elementwise or works on whole rows, so the result does not
depend on how the array is split: the blocking changes speed, never values.

The pool of helper threads is created on first use and belongs to the
process that created it: a child made by ``os.fork`` (multiprocessing's
fork start method, fork-based DataLoader workers, pre-forking servers)
starts with no pool and builds its own, instead of waiting for threads that
were not copied into it. The number of threads is :func:`get_num_threads`;
see :func:`set_num_threads` for how it is chosen and changed.
"""

import math
import numbers
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

__all__ = [
    "get_num_threads",
    "map_elements",
    "map_rows",
    "scratch",
    "set_num_threads",
]

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

# Without a setting, at most this many threads: beyond it the kernels are
# limited by memory bandwidth, and a large machine is usually shared.
_DEFAULT_THREAD_CAP = 8
_THREADS_VARIABLE = "LOGITUTILS_NUM_THREADS"

_num_threads = None  # set_num_threads's value, else the default, once read
_explicit_setting = False  # whether set_num_threads gave _num_threads
_pool = None
_pool_size = 0
_pool_pid = None
_pool_lock = threading.Lock()
_local = threading.local()


def _after_fork_in_child():
    # The child has only the thread that forked; the pool's threads were
    # not copied, and a lock another thread held stays locked forever. The
    # default thread count is read again: the child may run elsewhere.
    global _pool, _pool_size, _pool_pid, _pool_lock, _local, _num_threads
    _pool = _pool_pid = None
    _pool_size = 0
    _pool_lock = threading.Lock()
    _local = threading.local()
    if not _explicit_setting:
        _num_threads = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _read_fields(path):
    try:
        with open(path) as file:
            return file.read().split()
    except (OSError, ValueError):
        return None


def _cgroup_cpu_limit():
    """CPUs allowed by a cgroup CPU quota (containers), or None if unlimited."""
    fields = _read_fields("/sys/fs/cgroup/cpu.max")  # cgroup v2: "quota period"
    if fields and len(fields) == 2 and fields[0] != "max":
        quota, period = fields
    else:  # cgroup v1
        quota = _read_fields("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
        period = _read_fields("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
        if not (quota and period):
            return None
        quota, period = quota[0], period[0]
    try:
        quota, period = int(quota), int(period)
    except ValueError:
        return None
    if quota <= 0 or period <= 0:
        return None
    # Rounded up, as joblib (loky) does: a quota of 1.5 CPUs can keep two
    # threads busy half the time.
    return max(1, math.ceil(quota / period))


def _available_cpus():
    """CPUs this process may run on: affinity mask and cgroup quota."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    return max(1, count if limit is None else min(count, limit))


def _threads_from_environment():
    for name in (_THREADS_VARIABLE, "OMP_NUM_THREADS"):
        text = os.environ.get(name, "").strip()
        if not text:
            continue
        # OMP_NUM_THREADS may list one count per nesting level: "4,2".
        first = text.split(",")[0].strip()
        try:
            value = int(first)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(
                f"environment variable {name}={text!r} must be a positive "
                "integer (the number of threads logitutils may use)"
            )
        return value
    return None


def _default_threads():
    from_environment = _threads_from_environment()
    if from_environment is not None:
        return from_environment
    return min(_available_cpus(), _DEFAULT_THREAD_CAP)


def get_num_threads() -> int:
    """The number of threads logitutils uses for large arrays.

    Returns
    -------
    int
        The value given to :func:`set_num_threads`, if any; else the
        environment variable ``LOGITUTILS_NUM_THREADS``; else
        ``OMP_NUM_THREADS``; else the CPUs this process may run on (its
        affinity mask and cgroup CPU quota), at most 8.

    See Also
    --------
    set_num_threads

    Examples
    --------
    >>> import logitutils as lu
    >>> lu.get_num_threads() >= 1
    True
    """
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def set_num_threads(n: int | None) -> None:
    """Set how many threads logitutils may use, or restore the default.

    Arrays of fewer than 2**17 elements are always computed on the calling
    thread. Larger ones are split into blocks shared by the calling thread
    and ``n - 1`` helper threads. The results do not depend on `n`: every
    block is computed the same way, whichever thread takes it.

    Parameters
    ----------
    n : int or None
        A positive number of threads (1 computes everything on the calling
        thread), or None for the default described in
        :func:`get_num_threads`. ``threadpoolctl.threadpool_limits``
        also sets this value (the library is listed as ``"logitutils"``).

    Raises
    ------
    TypeError
        If `n` is not an integer or None.
    ValueError
        If `n` < 1.

    See Also
    --------
    get_num_threads

    Examples
    --------
    >>> import logitutils as lu
    >>> previous = lu.get_num_threads()
    >>> lu.set_num_threads(1)
    >>> lu.get_num_threads()
    1
    >>> lu.set_num_threads(previous)
    """
    global _num_threads, _explicit_setting
    if n is None:
        _explicit_setting = False
        _num_threads = None
        return
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be a positive integer or None, got {n!r}")
    if n < 1:
        raise ValueError(f"n must be a positive integer or None, got {n!r}")
    _explicit_setting = True
    _num_threads = int(n)


def _workers():
    return get_num_threads()


def _executor(helpers):
    """The process's pool, with room for at least `helpers` threads."""
    global _pool, _pool_size, _pool_pid
    with _pool_lock:
        # The pid check backs up the fork handler (a child made by a raw
        # fork system call, bypassing os.fork, runs no handler).
        if _pool is None or _pool_pid != os.getpid() or _pool_size < helpers:
            if _pool is not None and _pool_pid == os.getpid():
                # Its threads finish the work they hold, then exit.
                _pool.shutdown(wait=False)
            # ThreadPoolExecutor starts threads only as work arrives, so a
            # roomy pool costs nothing until it is used.
            _pool_size = max(helpers, _DEFAULT_THREAD_CAP - 1)
            _pool = ThreadPoolExecutor(
                max_workers=_pool_size, thread_name_prefix="logitutils"
            )
            _pool_pid = os.getpid()
        return _pool


def _run(tasks):
    """Run callables, in parallel when there is more than one."""
    n_helpers = min(_workers(), len(tasks)) - 1
    if n_helpers < 1:
        for task in tasks:
            task()
        return
    # Each thread takes the next block from a shared iterator (next() on a
    # list iterator is atomic under the GIL), so a thread that the system
    # deschedules does not leave the others idle at the end. The calling
    # thread works too rather than waiting for the pool, so the work gets
    # done even when every pool thread is busy with another caller's.
    remaining = iter(tasks)
    failed = threading.Event()

    def work():
        for task in remaining:
            if failed.is_set():
                return
            try:
                task()
            except BaseException:
                failed.set()  # the other threads stop taking blocks
                raise

    pool = _executor(n_helpers)
    helpers = [pool.submit(work) for _ in range(n_helpers)]
    try:
        work()
    finally:
        # Helpers that have not started have nothing left to do (this thread
        # emptied the iterator, or failed). The others must be waited for,
        # even when this thread fails: the caller must not see an error (or
        # a result) while blocks are still being written.
        for helper in helpers:
            helper.cancel()
        wait(helpers)
    for helper in helpers:
        if not helper.cancelled():
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
