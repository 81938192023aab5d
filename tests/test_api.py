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
}


def test_exported():
    assert set(SIGNATURES) <= set(lu.__all__)
    for name in lu.__all__:
        assert callable(getattr(lu, name))


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_signature(name):
    parameters = inspect.signature(getattr(lu, name)).parameters.values()
    actual = [(p.name, p.kind, p.default) for p in parameters]
    assert actual == SIGNATURES[name]


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_numpydoc_sections(name):
    # Every public function documents its parameters, result and examples
    # (numpydoc; the Examples run as doctests).
    doc = inspect.getdoc(getattr(lu, name))
    for section in ("Parameters\n----------", "Returns\n-------", "Examples\n--------"):
        assert section in doc, f"{name} lacks {section.splitlines()[0]}"
