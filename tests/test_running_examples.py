"""The book's running examples (chapters/running_examples.py) and the float
bisection in chapters/book_helpers.py.

References: the data sets' documented sizes and class counts (scikit-learn's
dataset descriptions), NumPy's nextafter for float neighbours, mpmath for
where exp overflows, and PyTorch's own Adam for the training loop.
"""

import doctest
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest
import torch

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
sys.path.insert(0, str(CHAPTERS))

import book_helpers  # noqa: E402
import running_examples  # noqa: E402
from book_helpers import first_float_where  # noqa: E402
from running_examples import (  # noqa: E402
    breast_cancer,
    breast_cancer_model,
    digits,
    iris,
    logistic_regression,
    mlp,
    train,
)


@pytest.mark.parametrize("module", [book_helpers, running_examples])
def test_docstring_examples_run(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


# --- the data sets ----------------------------------------------------------

# (loader, n_samples, n_features, samples per class) from scikit-learn's
# dataset descriptions.
DATA_SETS = [
    (breast_cancer, 569, 30, {0: 357, 1: 212}),  # benign 357, malignant 212
    (digits, 1797, 64, None),
    (iris, 150, 4, {0: 50, 1: 50, 2: 50}),
]


@pytest.mark.parametrize("load, n, d, counts", DATA_SETS)
def test_split_sizes_and_stratification(load, n, d, counts):
    data = load()
    n_test = int(np.ceil(0.25 * n))
    assert data.X_train.shape == (n - n_test, d)
    assert data.X_test.shape == (n_test, d)
    y = np.concatenate([data.y_train, data.y_test])
    if counts is not None:
        assert dict(zip(*np.unique(y, return_counts=True), strict=True)) == counts
    # Stratified: each class's share of the test part is within one sample
    # of its share of the whole set.
    for k in range(data.n_classes):
        expected = np.mean(y == k) * n_test
        assert abs(np.sum(data.y_test == k) - expected) <= 1


@pytest.mark.parametrize("load, n, d, counts", DATA_SETS)
def test_standardised_with_the_training_part(load, n, d, counts):
    data = load()
    assert np.allclose(data.X_train.mean(axis=0), 0, atol=1e-12)
    std = data.X_train.std(axis=0)
    # Constant pixels of the digits keep scale 0 (StandardScaler leaves them).
    assert np.allclose(std[std > 0], 1)
    # The test part is scaled with the training statistics, not its own.
    raw_test = data.scaler.inverse_transform(data.X_test)
    assert np.allclose(data.scaler.transform(raw_test), data.X_test)
    assert not np.allclose(data.X_test.mean(axis=0), 0, atol=1e-3)


def test_breast_cancer_labels_one_as_malignant():
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    data = breast_cancer()
    assert data.class_names == ("benign", "malignant")
    # Every test tumour's label is the opposite of scikit-learn's, found by
    # matching its raw features to the bundled rows.
    raw = data.scaler.inverse_transform(data.X_test)
    for row, label in zip(raw[:20], data.y_test[:20], strict=True):
        index = np.argmin(np.abs(bunch.data - row).sum(axis=1))
        assert bunch.target_names[bunch.target[index]] == data.class_names[label]


def test_loaders_are_deterministic():
    a, b = digits(), digits()
    assert np.array_equal(a.X_test, b.X_test) and np.array_equal(a.y_test, b.y_test)


def test_tensors():
    X_train, X_test, y_train, y_test = iris().tensors()
    assert X_train.dtype == torch.float64 and y_test.dtype == torch.int64
    assert X_test.shape == (38, 4) and y_train.shape == (112,)


# --- the models -------------------------------------------------------------


def test_breast_cancer_model_is_the_penalised_optimum():
    data, model = breast_cancer_model()
    # At the optimum of the L2-penalised log-loss (C = 1, unpenalised
    # intercept) the gradient vanishes: X^T (p - y) + w = 0 and sum(p - y) = 0.
    z = data.X_train @ model.coef_[0] + model.intercept_[0]
    p = 1 / (1 + np.exp(-z))
    residual = p - data.y_train
    assert np.max(np.abs(data.X_train.T @ residual + model.coef_[0])) < 1e-5
    assert abs(residual.sum()) < 1e-5
    # Positive logits speak for malignancy.
    logits = model.decision_function(data.X_test)
    assert np.mean((logits > 0) == (data.y_test == 1)) > 0.95


@pytest.mark.parametrize("option", [{"C": 0}, {"C": np.inf}, {"tol": -1e-8}, {"tol": True}])
def test_logistic_regression_rejects_bad_options(option):
    name = next(iter(option))
    with pytest.raises(ValueError, match=f"{name} must be a positive"):
        logistic_regression(iris(), **option)


def test_balanced_logistic_regression_is_the_weighted_optimum():
    data = breast_cancer()
    model = logistic_regression(data, class_weight="balanced")
    # "balanced" weighs class k by n / (2 n_k); at the weighted optimum the
    # unpenalised intercept's gradient, sum of w_i (p_i - y_i), vanishes.
    y = data.y_train
    weights = len(y) / (2 * np.bincount(y))[y]
    z = data.X_train @ model.coef_[0] + model.intercept_[0]
    residual = weights * (1 / (1 + np.exp(-z)) - y)
    assert abs(residual.sum()) < 1e-5
    assert np.max(np.abs(data.X_train.T @ residual + model.coef_[0])) < 1e-5
    # Unweighted, the same sum is far from 0: the weights changed the fit.
    plain = logistic_regression(data)
    z_plain = data.X_train @ plain.coef_[0] + plain.intercept_[0]
    assert abs((weights * (1 / (1 + np.exp(-z_plain)) - y)).sum()) > 1


def test_mlp_is_float64_and_seeded():
    a, b, c = mlp(4, 3, seed=1), mlp(4, 3, seed=1), mlp(4, 3, seed=2)
    assert all(p.dtype == torch.float64 for p in a.parameters())
    assert [p.shape for p in a.parameters()] == [(16, 4), (16,), (3, 16), (3,)]
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a[0].weight, c[0].weight)


def test_mlp_leaves_the_global_generator_alone():
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    mlp(4, 3)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("width", [0, -1, 2.0, True])
def test_mlp_rejects_bad_widths(width):
    with pytest.raises(ValueError, match="positive integer"):
        mlp(width, 3)


def test_train_is_full_batch_adam():
    data = iris()
    X, _, y, _ = data.tensors()
    loss_fn = torch.nn.CrossEntropyLoss()
    model = mlp(4, 3)
    losses = train(model, loss_fn, X, y, steps=5, lr=0.05)
    # The same five steps written out with torch.optim.Adam.
    reference = mlp(4, 3)
    optimizer = torch.optim.Adam(reference.parameters(), lr=0.05)
    expected = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = loss_fn(reference(X), y)
        loss.backward()
        optimizer.step()
        expected.append(loss.item())
    expected.append(loss_fn(reference(X), y).item())
    assert losses == expected
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("steps, lr", [(-1, 0.1), (1.5, 0.1), (3, 0.0)])
def test_train_rejects_bad_arguments(steps, lr):
    with pytest.raises(ValueError):
        X, y = torch.zeros(1, 4), torch.zeros(1, dtype=torch.int64)
        train(mlp(4, 3), torch.nn.CrossEntropyLoss(), X, y, steps=steps, lr=lr)


# --- first_float_where ------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("threshold", [1.5, -1.5, 0.1, -1e-3, 3e-8])
def test_first_float_where_finds_the_exact_switch(dtype, threshold):
    t = dtype(threshold)
    found = first_float_where(lambda x: x >= t, -4, 4, dtype)
    below = np.nextafter(dtype(found), dtype(-np.inf))
    assert dtype(found) >= t and not below >= t
    assert found == float(t)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
def test_first_float_where_on_torch_dtypes(dtype):
    def overflows(x):
        return torch.isinf(torch.exp(x)).item()

    found = torch.tensor(first_float_where(overflows, 0, 1000, dtype), dtype=dtype)
    below = torch.nextafter(found, torch.tensor(0.0, dtype=dtype))
    assert overflows(found) and not overflows(below)
    # It lies next to log(largest finite float), computed with mpmath.
    log_max = mpmath.log(mpmath.mpf(torch.finfo(dtype).max))
    assert abs(float(found) - log_max) <= 2 * (float(found) - float(below))


def test_first_float_where_finds_float16_overflow_at_65520():
    # Rounding to nearest: float16 overflows from 65520, not above 65504.
    def overflows(x):
        return torch.isinf(x.to(torch.float16)).item()

    assert first_float_where(overflows, 0, 1e5, torch.float32) == 65520.0


def test_first_float_where_checks_its_bracket():
    with pytest.raises(ValueError, match="does not hold at hi"):
        first_float_where(lambda x: x > 10, 0, 1, np.float64)
    with pytest.raises(ValueError, match="already holds at lo"):
        first_float_where(lambda x: x > -1, 0, 1, np.float64)
    with pytest.raises(ValueError, match="lo < hi"):
        first_float_where(lambda x: True, 1, 1, np.float64)
    with pytest.raises(TypeError, match="float16, float32 or float64"):
        first_float_where(lambda x: True, 0, 1, np.int32)
