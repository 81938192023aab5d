"""The running examples of *Logits, Explained*: data sets, splits, tiny models.

Every chapter that needs the breast-cancer tumours, the handwritten digits
or the iris flowers loads them from here, so that "the breast-cancer model"
means the same model, with the same labels, split and logits, in every
chapter:

- :func:`breast_cancer`, :func:`digits`, :func:`iris` give a stratified
  train/test split (75/25, ``random_state=0``) with the features
  standardised by the training set's mean and standard deviation;
- :func:`logistic_regression` fits scikit-learn's logistic regression on a
  split, and :func:`breast_cancer_model` is the book's binary classifier;
- :func:`mlp` builds a one-hidden-layer PyTorch network in float64 from its
  first weight, and :func:`train` fits a network with full-batch Adam.

The label convention is the one a screening test uses: in the
breast-cancer set, **y = 1 is malignant** (the finding looked for) and
y = 0 benign, so a positive logit speaks for malignancy. scikit-learn's
bundled target is the other way round (0 = malignant); :func:`breast_cancer`
flips it.
"""

from dataclasses import dataclass

import numpy as np
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

__all__ = [
    "Split",
    "breast_cancer",
    "breast_cancer_model",
    "digits",
    "iris",
    "logistic_regression",
    "mlp",
    "train",
]

TEST_SIZE = 0.25
RANDOM_STATE = 0


@dataclass(frozen=True)
class Split:
    """A data set split into standardised training and test parts.

    Attributes
    ----------
    X_train, X_test : ndarray of shape (n, d), float64
        Features, standardised with the training part's mean and standard
        deviation (so the test part is scaled as a deployed model would
        scale new data).
    y_train, y_test : ndarray of shape (n,), int64
        Class indices.
    class_names : tuple of str
        ``class_names[k]`` names class ``k``.
    feature_names : tuple of str
    scaler : sklearn.preprocessing.StandardScaler
        The scaler fitted on the raw training features.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    feature_names: tuple
    scaler: StandardScaler

    @property
    def n_classes(self):
        """The number of classes."""
        return len(self.class_names)

    def tensors(self):
        """The four arrays as PyTorch tensors: float64 features, int64 labels.

        Returns
        -------
        X_train, X_test, y_train, y_test : torch.Tensor
        """
        import torch

        return (
            torch.tensor(self.X_train, dtype=torch.float64),
            torch.tensor(self.X_test, dtype=torch.float64),
            torch.tensor(self.y_train, dtype=torch.int64),
            torch.tensor(self.y_test, dtype=torch.int64),
        )


def _split(X, y, class_names, feature_names):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=RANDOM_STATE, stratify=y
    )
    scaler = StandardScaler().fit(X_train)
    return Split(
        X_train=scaler.transform(X_train),
        X_test=scaler.transform(X_test),
        y_train=np.asarray(y_train, dtype=np.int64),
        y_test=np.asarray(y_test, dtype=np.int64),
        class_names=tuple(str(name) for name in class_names),
        feature_names=tuple(str(name) for name in feature_names),
        scaler=scaler,
    )


def breast_cancer():
    """The Wisconsin breast-cancer tumours: 569 tumours, 30 features.

    Returns
    -------
    Split
        Labels ``1 = malignant``, ``0 = benign``; ``class_names`` is
        ``("benign", "malignant")``.

    Examples
    --------
    >>> data = breast_cancer()
    >>> data.X_train.shape, data.X_test.shape
    ((426, 30), (143, 30))
    >>> data.class_names
    ('benign', 'malignant')
    """
    bunch = datasets.load_breast_cancer()
    # scikit-learn stores 0 = malignant, 1 = benign.
    assert tuple(bunch.target_names) == ("malignant", "benign")
    y = 1 - bunch.target
    return _split(bunch.data, y, ("benign", "malignant"), bunch.feature_names)


def digits():
    """The handwritten digits: 1797 images of 8 x 8 pixels, classes 0-9.

    Returns
    -------
    Split
        ``class_names`` is ``("0", "1", ..., "9")``.

    Examples
    --------
    >>> data = digits()
    >>> data.X_train.shape, data.n_classes
    ((1347, 64), 10)
    """
    bunch = datasets.load_digits()
    names = tuple(str(k) for k in bunch.target_names)
    return _split(bunch.data, bunch.target, names, bunch.feature_names)


def iris():
    """Fisher's iris flowers: 150 flowers, 4 measurements, 3 species.

    Returns
    -------
    Split
        ``class_names`` is ``("setosa", "versicolor", "virginica")``.

    Examples
    --------
    >>> data = iris()
    >>> data.X_train.shape, data.class_names[2]
    ((112, 4), 'virginica')
    """
    bunch = datasets.load_iris()
    return _split(bunch.data, bunch.target, bunch.target_names, bunch.feature_names)


def logistic_regression(split, C=1.0, *, tol=1e-8, class_weight=None):
    """scikit-learn's logistic regression fitted on a split's training part.

    Parameters
    ----------
    split : Split
    C : float, optional
        Inverse strength of the L2 penalty (scikit-learn's default, 1.0).
    tol : float, optional
        The lbfgs solver's tolerance. The default converges far enough that
        the logits agree to many more digits than the chapters print, on
        every machine; an almost unpenalised fit (large `C`) is
        ill-conditioned and needs a smaller one.
    class_weight : None, "balanced" or dict, optional
        Passed to scikit-learn: per-class weights of the log-loss.

    Returns
    -------
    sklearn.linear_model.LogisticRegression
        Fitted with the lbfgs solver to `tol`.

    Raises
    ------
    ValueError
        If `C` or `tol` is not a positive finite number.
    """
    for name, value in (("C", C), ("tol", tol)):
        if not (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and np.isfinite(value)
            and value > 0
        ):
            raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    model = LogisticRegression(
        C=C, tol=tol, max_iter=100_000, class_weight=class_weight
    )
    return model.fit(split.X_train, split.y_train)


def breast_cancer_model():
    """The book's binary classifier: logistic regression on :func:`breast_cancer`.

    Returns
    -------
    data : Split
    model : sklearn.linear_model.LogisticRegression
        ``model.decision_function(data.X_test)`` are the logits of
        malignancy of the 143 test tumours.
    """
    data = breast_cancer()
    return data, logistic_regression(data)


def mlp(n_inputs, n_outputs, n_hidden=16, seed=0):
    """A network with one ReLU hidden layer, in float64 from its first weight.

    PyTorch's random initialisation differs in the last bit of float32
    weights from one SIMD code path to another, so a model built in
    float32 and converted afterwards starts from other weights on another
    CPU. Built in float64, the same seed gives the same network everywhere.

    Parameters
    ----------
    n_inputs, n_outputs, n_hidden : int
        Layer widths.
    seed : int, optional
        Seed for the initial weights; PyTorch's global generator is left as
        it was.

    Returns
    -------
    torch.nn.Sequential
        ``Linear(n_inputs, n_hidden), ReLU(), Linear(n_hidden, n_outputs)``.

    Raises
    ------
    ValueError
        If a width is not a positive integer.
    """
    import torch

    for name, width in (("n_inputs", n_inputs), ("n_outputs", n_outputs), ("n_hidden", n_hidden)):
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"{name} must be a positive integer, got {width!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return torch.nn.Sequential(
            torch.nn.Linear(n_inputs, n_hidden, dtype=torch.float64),
            torch.nn.ReLU(),
            torch.nn.Linear(n_hidden, n_outputs, dtype=torch.float64),
        )


def train(model, loss_fn, X, targets, *, steps, lr=0.01):
    """Fit `model` by full-batch Adam on ``loss_fn(model(X), targets)``.

    Full batches and a fixed number of steps make training deterministic:
    no data order, no random batches.

    Parameters
    ----------
    model : torch.nn.Module
    loss_fn : callable
        ``loss_fn(outputs, targets)`` returns a scalar tensor.
    X, targets : torch.Tensor
    steps : int
        Number of Adam steps.
    lr : float, optional
        Adam's learning rate.

    Returns
    -------
    list of float
        The loss before each step, then the final loss: ``steps + 1`` values.

    Raises
    ------
    ValueError
        If `steps` is not a non-negative integer or `lr` is not positive.
    """
    import torch

    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    if not (isinstance(lr, int | float) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(X), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.no_grad():
        losses.append(loss_fn(model(X), targets).item())
    return losses
