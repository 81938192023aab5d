"""Speed of logitutils against scipy.special and torch on the same inputs.

Run from the repository root::

    python benchmarks/bench_numerics.py              # 10**7 float64 elements
    python benchmarks/bench_numerics.py --quick      # smoke run, 10**5 elements
    python benchmarks/bench_numerics.py --repeats 15
    python benchmarks/bench_numerics.py --no-single-thread   # first table only

Elementwise functions get a flat array of 10**7 float64 values; row-wise
ones (softmax, log_softmax, logsumexp, cross_entropy) get shape (10**5, 100),
the same number of elements. torch sees the very same memory through
``torch.from_numpy`` and runs with its default thread count; scipy.special
is single-threaded. Losses use each library's default reduction ("mean").

Each time is the **median** of ``--repeats`` calls, taken after one warm-up
call, with the three libraries interleaved call by call (in rotating order)
so that drift in machine load affects them alike. A second table repeats
the run with one thread for each library (``lu.set_num_threads(1)``,
``torch.set_num_threads(1)``; scipy has only one), so that the comparison
with torch is also made core for core. The targets checked on the last line are
``logitutils <= scipy`` and ``logitutils <= 2.5 x torch`` for every function
that has the counterpart; ``--strict`` makes a missed target fail the run.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import scipy.special

# Run from a checkout without installing: prefer the package next to us.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import logitutils as lu  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the table just shows "-" for torch
    torch = None
    F = None

SCIPY_TARGET = 1.0
TORCH_TARGET = 2.5


def make_inputs(n_elements, n_classes, seed=0):
    """Deterministic inputs shared by all libraries (no copies for torch)."""
    rng = np.random.default_rng(seed)
    n_rows = n_elements // n_classes
    inputs = {
        # Logits spread over the range where every branch of the kernels is hit.
        "z": rng.standard_normal(n_elements) * 8.0,
        # Probabilities strictly inside (0, 1).
        "p": rng.uniform(1e-12, 1.0 - 1e-12, n_elements),
        # Soft binary targets.
        "y": rng.uniform(0.0, 1.0, n_elements),
        "rows": rng.standard_normal((n_rows, n_classes)) * 4.0,
        "labels": rng.integers(0, n_classes, n_rows, dtype=np.int64),
    }
    if torch is not None:
        inputs.update({f"t_{k}": torch.from_numpy(v) for k, v in list(inputs.items())})
    return inputs


def cases(d):
    """(name, logitutils call, scipy call or None, torch call or None)."""
    t = torch is not None
    return [
        ("sigmoid",
         lambda: lu.sigmoid(d["z"]),
         lambda: scipy.special.expit(d["z"]),
         t and (lambda: torch.sigmoid(d["t_z"]))),
        ("log_sigmoid",
         lambda: lu.log_sigmoid(d["z"]),
         lambda: scipy.special.log_expit(d["z"]),
         t and (lambda: F.logsigmoid(d["t_z"]))),
        ("logit",
         lambda: lu.logit(d["p"]),
         lambda: scipy.special.logit(d["p"]),
         t and (lambda: torch.logit(d["t_p"]))),
        ("softplus",
         lambda: lu.softplus(d["z"]),
         None,
         t and (lambda: F.softplus(d["t_z"]))),
        ("softmax",
         lambda: lu.softmax(d["rows"], axis=-1),
         lambda: scipy.special.softmax(d["rows"], axis=-1),
         t and (lambda: torch.softmax(d["t_rows"], dim=-1))),
        ("log_softmax",
         lambda: lu.log_softmax(d["rows"], axis=-1),
         lambda: scipy.special.log_softmax(d["rows"], axis=-1),
         t and (lambda: torch.log_softmax(d["t_rows"], dim=-1))),
        ("logsumexp",
         lambda: lu.logsumexp(d["rows"], axis=-1),
         lambda: scipy.special.logsumexp(d["rows"], axis=-1),
         t and (lambda: torch.logsumexp(d["t_rows"], dim=-1))),
        ("bce_with_logits",
         lambda: lu.binary_cross_entropy_with_logits(d["z"], d["y"]),
         None,
         t and (lambda: F.binary_cross_entropy_with_logits(d["t_z"], d["t_y"]))),
        ("cross_entropy",
         lambda: lu.cross_entropy(d["rows"], d["labels"]),
         None,
         t and (lambda: F.cross_entropy(d["t_rows"], d["t_labels"]))),
    ]


def as_numpy(value):
    return value.numpy() if torch is not None and isinstance(value, torch.Tensor) else value


def agree(ours, reference):
    """Sanity check that the functions timed compute the same thing."""
    ours, reference = np.asarray(ours), np.asarray(as_numpy(reference))
    return ours.shape == reference.shape and np.allclose(ours, reference, rtol=1e-9, atol=0)


def time_case(calls, repeats):
    """Median seconds per call for each callable, interleaved call by call.

    The order rotates from one round to the next, so no library always runs
    right after another one (torch's OpenMP threads keep spinning for a
    moment after a call, taking a core from whatever runs next).
    """
    live = [c for c in calls if c]
    results = [c() for c in live]  # warm-up (thread pools, caches, page faults)
    samples = [[] for _ in live]
    for round_ in range(repeats):
        for k in range(len(live)):
            i = (round_ + k) % len(live)
            start = time.perf_counter()
            live[i]()
            samples[i].append(time.perf_counter() - start)
    medians = iter(statistics.median(s) for s in samples)
    firsts = iter(results)
    times, outputs = [], []
    for c in calls:
        times.append(next(medians) if c else None)
        outputs.append(next(firsts) if c else None)
    return times, outputs


def fmt_ms(seconds):
    return f"{seconds * 1e3:9.1f}" if seconds is not None else f"{'-':>9}"


def fmt_ratio(ours, other, target):
    if other is None:
        return f"{'-':>9}"
    ratio = ours / other
    mark = " " if ratio <= target else "!"
    return f"{ratio:8.2f}{mark}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="10**5 elements instead of 10**7 (smoke run)")
    parser.add_argument("--repeats", type=int, default=7,
                        help="timed calls per function and library (default 7)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target is missed (timings on a "
                             "busy machine are noisy, so by default only results that "
                             "disagree between the libraries fail the run)")
    parser.add_argument("--no-single-thread", action="store_true",
                        help="skip the second table, where every library "
                             "runs on one thread")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    n_elements = 10**5 if args.quick else 10**7
    n_classes = 100
    data = make_inputs(n_elements, n_classes)
    torch_threads = torch.get_num_threads() if torch is not None else 0
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, "
          f"torch {torch.__version__ if torch is not None else 'absent'}, "
          f"logitutils {lu.__version__}")
    print(f"float64; elementwise n={n_elements:,}; row-wise shape "
          f"({n_elements // n_classes:,}, {n_classes}); median of {args.repeats} "
          f"after 1 warm-up; '!' marks a missed target")

    tables = [(f"default threads: logitutils {lu.get_num_threads()}, "
               f"torch {torch_threads}, scipy 1", None)]
    if not args.no_single_thread:
        tables.append(("one thread each: lu.set_num_threads(1), "
                       "torch.set_num_threads(1), scipy", 1))
    failures, mismatches = [], []
    for title, threads in tables:
        previous_torch = torch_threads
        if threads is not None:
            lu.set_num_threads(threads)
            if torch is not None:
                torch.set_num_threads(threads)
        try:
            run_table(title, data, args.repeats, failures, mismatches)
        finally:
            lu.set_num_threads(None)
            if torch is not None:
                torch.set_num_threads(previous_torch)

    if mismatches:
        print("RESULTS DIFFER: " + ", ".join(mismatches))
    targets = f"<= {SCIPY_TARGET:g}x scipy and <= {TORCH_TARGET:g}x torch"
    if args.quick:
        # Below 2**17 elements logitutils runs single-threaded and per-call
        # overheads dominate, so the targets say nothing about a smoke run.
        targets += ", not judged on --quick sizes"
    if failures:
        print(f"targets ({targets}): FAIL for " + ", ".join(failures))
    else:
        print(f"targets ({targets}): all pass")
    return 1 if mismatches or (failures and args.strict and not args.quick) else 0


def run_table(title, data, repeats, failures, mismatches):
    """Time every case and print one table; collect missed targets."""
    header = (f"{'function':<16}|{'logitutils ms':>14} |{'scipy ms':>9} |{'torch ms':>9} |"
              f"{'vs scipy':>9} |{'vs torch':>9}")
    print()
    print(title)
    print(header)
    print("-" * len(header))
    label = "1 thread" if lu.get_num_threads() == 1 else "default"
    for name, ours, scipy_call, torch_call in cases(data):
        (t_ours, t_scipy, t_torch), (out, ref_s, ref_t) = time_case(
            [ours, scipy_call, torch_call], repeats)
        for library, ref in (("scipy", ref_s), ("torch", ref_t)):
            if ref is not None and not agree(out, ref):
                mismatches.append(f"{name} vs {library} ({label})")
        if t_scipy is not None and t_ours > SCIPY_TARGET * t_scipy:
            failures.append(f"{name} vs scipy ({label})")
        if t_torch is not None and t_ours > TORCH_TARGET * t_torch:
            failures.append(f"{name} vs torch ({label})")
        print(f"{name:<16}|{fmt_ms(t_ours):>14} |{fmt_ms(t_scipy)} |{fmt_ms(t_torch)} |"
              f"{fmt_ratio(t_ours, t_scipy, SCIPY_TARGET)} |"
              f"{fmt_ratio(t_ours, t_torch, TORCH_TARGET)}")
    print("-" * len(header))


if __name__ == "__main__":
    sys.exit(main())
