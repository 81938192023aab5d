"""The public API as the project issue specifies it: names and signatures.

A renamed parameter, a positional argument that should be keyword-only, or a
changed default would break callers (and the book's notebooks) silently;
these tests make such a change deliberate.
"""

import inspect

import pytest

import logitutils as lu

POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD
KEYWORD = inspect.Parameter.KEYWORD_ONLY
REQUIRED = inspect.Parameter.empty

# name: [(parameter, kind, default)], from the issue.
SIGNATURES = {
    "sigmoid": [("z", POSITIONAL, REQUIRED)],
    "logit": [("p", POSITIONAL, REQUIRED)],
    "log_sigmoid": [("z", POSITIONAL, REQUIRED)],
    "softplus": [("z", POSITIONAL, REQUIRED)],
    "softmax": [("z", POSITIONAL, REQUIRED), ("axis", POSITIONAL, -1),
                ("temperature", POSITIONAL, 1.0)],
    "log_softmax": [("z", POSITIONAL, REQUIRED), ("axis", POSITIONAL, -1),
                    ("temperature", POSITIONAL, 1.0)],
    "logsumexp": [("z", POSITIONAL, REQUIRED), ("axis", POSITIONAL, -1),
                  ("keepdims", POSITIONAL, False)],
    "binary_cross_entropy_with_logits": [
        ("logits", POSITIONAL, REQUIRED), ("targets", POSITIONAL, REQUIRED),
        ("weight", KEYWORD, None), ("pos_weight", KEYWORD, None),
        ("reduction", KEYWORD, "mean"),
    ],
    "cross_entropy": [
        ("logits", POSITIONAL, REQUIRED), ("targets", POSITIONAL, REQUIRED),
        ("weight", KEYWORD, None), ("ignore_index", KEYWORD, -100),
        ("label_smoothing", KEYWORD, 0.0), ("reduction", KEYWORD, "mean"),
    ],
    "predict_binary": [("logits", POSITIONAL, REQUIRED), ("threshold", POSITIONAL, 0.5)],
    "predict_class": [("logits", POSITIONAL, REQUIRED), ("axis", POSITIONAL, -1)],
    "fit_temperature": [("logits", POSITIONAL, REQUIRED), ("labels", POSITIONAL, REQUIRED)],
    "expected_calibration_error": [
        ("probs", POSITIONAL, REQUIRED), ("labels", POSITIONAL, REQUIRED),
        ("n_bins", POSITIONAL, 15),
    ],
    "top_k_filter": [("logits", POSITIONAL, REQUIRED), ("k", POSITIONAL, REQUIRED)],
    "top_p_filter": [("logits", POSITIONAL, REQUIRED), ("p", POSITIONAL, REQUIRED),
                     ("min_tokens_to_keep", KEYWORD, 1)],
    "sample_from_logits": [
        ("logits", POSITIONAL, REQUIRED), ("temperature", KEYWORD, 1.0),
        ("top_k", KEYWORD, None), ("top_p", KEYWORD, None), ("rng", KEYWORD, None),
    ],
    "get_num_threads": [],
    "set_num_threads": [("n", POSITIONAL, REQUIRED)],
}


def test_exported():
    # Every exported name has its signature pinned here, and each one is
    # a function of the package (not, say, a re-exported NumPy function).
    assert set(SIGNATURES) == set(lu.__all__)
    for name in lu.__all__:
        function = inspect.unwrap(getattr(lu, name))
        assert inspect.isfunction(function)
        assert function.__module__.startswith("logitutils.")
        assert function.__name__ == name


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_type_hints(name):
    hints = inspect.get_annotations(inspect.unwrap(getattr(lu, name)))
    parameters = [p for p, _, _ in SIGNATURES[name]]
    assert set(hints) == {*parameters, "return"}, name


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_signature(name):
    parameters = inspect.signature(getattr(lu, name)).parameters.values()
    actual = [(p.name, p.kind, p.default) for p in parameters]
    assert actual == SIGNATURES[name]


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_numpydoc_sections(name):
    # Every public function documents its parameters, result and examples
    # (numpydoc; the Examples run as doctests).
    # (A function without parameters, or returning None, has no section
    # for them.)
    function = getattr(lu, name)
    doc = inspect.getdoc(function)
    sections = ["Examples\n--------"]
    if SIGNATURES[name]:
        sections.append("Parameters\n----------")
    if inspect.get_annotations(inspect.unwrap(function))["return"] not in (None, "None"):
        sections.append("Returns\n-------")
    for section in sections:
        assert section in doc, f"{name} lacks {section.splitlines()[0]}"
