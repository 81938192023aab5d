"""The block engine under fork, concurrent callers and thread settings.

Arrays of 2**17 elements or more are split into blocks that a pool of
threads computes. These tests check that the pool survives what real
programs do to it (fork, several calling threads, thread limits) and that
the number of threads never changes a result. Every test that could
deadlock runs in a subprocess with a timeout, so a hang fails the test
instead of stalling the suite.
"""

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import logitutils as lu

# Above the engine's threshold for splitting into blocks (2**17 elements).
LARGE_ROWS, LARGE_COLS = 3000, 100

TIMEOUT_SECONDS = 60


def _run_python(code, env=None, timeout=TIMEOUT_SECONDS):
    """Run `code` in a fresh interpreter; fail (not hang) on a deadlock."""
    full_env = dict(os.environ)
    for name in ("LOGITUTILS_NUM_THREADS", "OMP_NUM_THREADS"):
        full_env.pop(name, None)
    full_env.update(env or {})
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True, text=True, timeout=timeout, env=full_env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the subprocess did not finish in {timeout} s (deadlock?)")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def restore_threads():
    yield
    lu.set_num_threads(None)


def _large_logits(seed=0):
    return np.random.default_rng(seed).normal(size=(LARGE_ROWS, LARGE_COLS))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_after_the_pool_started():
    # The parent's pool threads are not copied into a fork child; before the
    # fix, a child computing on a large array waited for them forever.
    out = _run_python("""
        import multiprocessing as mp
        import numpy as np
        import logitutils as lu

        def work(seed):
            z = np.random.default_rng(seed).normal(size=(3000, 100))
            return float(lu.softmax(z).sum()), float(lu.sigmoid(z).sum())

        if __name__ == "__main__":
            lu.set_num_threads(2)
            expected = work(0)            # the parent starts its pool
            with mp.get_context("fork").Pool(2) as pool:
                got = pool.map_async(work, [0, 0]).get(timeout=30)
            assert got == [expected, expected], (got, expected)
            print("ok")
    """)
    assert out == "ok"


def test_concurrent_callers_get_their_own_results(restore_threads):
    lu.set_num_threads(2)
    inputs = [_large_logits(seed) for seed in range(4)]
    expected = [lu.log_softmax(z) for z in inputs]
    results = [None] * len(inputs)
    errors = []

    def call(i):
        try:
            for _ in range(3):
                results[i] = lu.log_softmax(inputs[i])
        except BaseException as exc:  # reported below, not lost in a thread
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a caller hung"
    assert errors == []
    for got, want in zip(results, expected, strict=True):
        np.testing.assert_array_equal(got, want)


FUNCTIONS_ON_LARGE_INPUT = {
    "sigmoid": lambda z, y: lu.sigmoid(z),
    "logit": lambda z, y: lu.logit(lu.sigmoid(z)),
    "softplus": lambda z, y: lu.softplus(z),
    "log_sigmoid": lambda z, y: lu.log_sigmoid(z),
    "softmax": lambda z, y: lu.softmax(z),
    "log_softmax": lambda z, y: lu.log_softmax(z),
    "logsumexp": lambda z, y: lu.logsumexp(z),
    "cross_entropy": lambda z, y: lu.cross_entropy(z, y, reduction="none"),
    "bce": lambda z, y: lu.binary_cross_entropy_with_logits(
        z, lu.sigmoid(z[::-1]), reduction="none"),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(FUNCTIONS_ON_LARGE_INPUT))
def test_one_thread_and_many_are_bit_identical(name, dtype, restore_threads):
    # 1001 rows do not divide evenly into blocks, so the blocks differ in
    # size between the two settings.
    z = np.random.default_rng(1).normal(scale=4, size=(1001, 150)).astype(dtype)
    y = np.random.default_rng(2).integers(0, 150, size=1001)
    function = FUNCTIONS_ON_LARGE_INPUT[name]
    lu.set_num_threads(1)
    one = function(z, y)
    lu.set_num_threads(3)
    many = function(z, y)
    assert one.dtype == many.dtype == dtype
    np.testing.assert_array_equal(one, many)


def test_a_failing_block_is_reported_and_the_pool_recovers(restore_threads):
    from logitutils import _blocks

    lu.set_num_threads(2)
    calls = []

    def kernel(out, x):
        calls.append(len(x))
        if len(calls) == 2:
            raise RuntimeError("block failed")
        out[...] = x

    x = np.zeros(1 << 19)
    with pytest.raises(RuntimeError, match="block failed"):
        _blocks.map_elements(kernel, np.empty_like(x), x)
    # Once a block failed, the other threads stop taking new ones.
    assert len(calls) < (1 << 19) // _blocks._BLOCK_ELEMENTS
    np.testing.assert_array_equal(lu.sigmoid(x), np.full_like(x, 0.5))


def test_set_num_threads_checks_its_argument(restore_threads):
    with pytest.raises(ValueError, match="positive integer"):
        lu.set_num_threads(0)
    with pytest.raises(TypeError, match="got 2.0"):
        lu.set_num_threads(2.0)
    with pytest.raises(TypeError, match="got True"):
        lu.set_num_threads(True)
    lu.set_num_threads(np.int64(3))
    assert lu.get_num_threads() == 3
    assert type(lu.get_num_threads()) is int
    lu.set_num_threads(None)
    assert lu.get_num_threads() >= 1


def test_threadpoolctl_sees_and_limits_the_pool(restore_threads):
    lu.set_num_threads(2)
    (info,) = [i for i in threadpool_info() if i["user_api"] == "logitutils"]
    assert info["num_threads"] == 2
    with threadpool_limits(1):
        assert lu.get_num_threads() == 1
    assert lu.get_num_threads() == 2
    with threadpool_limits(limits=1, user_api="logitutils"):
        assert lu.get_num_threads() == 1
    assert lu.get_num_threads() == 2


PRINT_THREADS = "import logitutils as lu; print(lu.get_num_threads())"


@pytest.mark.parametrize("env, expected", [
    ({"LOGITUTILS_NUM_THREADS": "3"}, "3"),
    ({"OMP_NUM_THREADS": "5,2"}, "5"),
    ({"LOGITUTILS_NUM_THREADS": "1", "OMP_NUM_THREADS": "4"}, "1"),
])
def test_environment_variables(env, expected):
    assert _run_python(PRINT_THREADS, env=env) == expected


def test_a_bad_environment_variable_is_named():
    code = """
        import logitutils as lu
        try:
            lu.get_num_threads()
        except ValueError as exc:
            print(exc)
    """
    message = _run_python(code, env={"LOGITUTILS_NUM_THREADS": "many"})
    assert "LOGITUTILS_NUM_THREADS='many'" in message


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs affinity")
def test_the_default_follows_the_cpu_affinity():
    # As `taskset -c 0 python ...` would: one allowed CPU, one thread.
    code = """
        import os
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        import logitutils as lu
        print(lu.get_num_threads())
    """
    assert _run_python(code) == "1"


def test_the_default_is_capped_and_follows_the_cgroup_quota(monkeypatch):
    from logitutils import _blocks

    monkeypatch.setattr(_blocks.os, "sched_getaffinity", lambda pid: set(range(64)))
    monkeypatch.setattr(_blocks, "_cgroup_cpu_limit", lambda: None)
    monkeypatch.delenv("LOGITUTILS_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert _blocks._default_threads() == 8
    monkeypatch.setattr(_blocks, "_cgroup_cpu_limit", lambda: 3)
    assert _blocks._default_threads() == 3


def test_cgroup_quota_files(tmp_path, monkeypatch):
    from logitutils import _blocks

    files = {"/sys/fs/cgroup/cpu.max": "150000 100000\n"}
    monkeypatch.setattr(
        _blocks, "_read_fields",
        lambda path: files[path].split() if path in files else None,
    )
    assert _blocks._cgroup_cpu_limit() == 2  # 1.5 CPUs, rounded up
    files["/sys/fs/cgroup/cpu.max"] = "max 100000\n"
    assert _blocks._cgroup_cpu_limit() is None
    files.update({"/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "300000",
                  "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000"})
    assert _blocks._cgroup_cpu_limit() == 3  # cgroup v1
    files["/sys/fs/cgroup/cpu/cpu.cfs_quota_us"] = "-1"
    assert _blocks._cgroup_cpu_limit() is None
