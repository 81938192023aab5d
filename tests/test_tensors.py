"""PyTorch tensors as input: tensor in, tensor out.

Each function is called on a tensor and on the same values as a NumPy
array; the tensor result must hold the NumPy result exactly, with the
input's dtype, on its device, detached from any graph.
"""

import numpy as np
import pytest

import logitutils as lu

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(12)
LOGITS = RNG.normal(scale=3, size=(6, 5))
# Mostly the predicted classes, with one mistake, so a temperature fits.
LABELS = np.argmax(LOGITS, axis=1)
LABELS[0] = (LABELS[0] + 1) % LOGITS.shape[1]

# name: (function, arguments as NumPy arrays)
CALLS = {
    "sigmoid": (lu.sigmoid, (LOGITS,)),
    "logit": (lu.logit, (lu.sigmoid(LOGITS),)),
    "log_sigmoid": (lu.log_sigmoid, (LOGITS,)),
    "softplus": (lu.softplus, (LOGITS,)),
    "softmax": (lu.softmax, (LOGITS,)),
    "log_softmax": (lu.log_softmax, (LOGITS,)),
    "logsumexp": (lu.logsumexp, (LOGITS,)),
    "cross_entropy": (lu.cross_entropy, (LOGITS, LABELS)),
    "bce": (lu.binary_cross_entropy_with_logits,
            (LOGITS, lu.sigmoid(-LOGITS))),
    "top_k_filter": (lambda z: lu.top_k_filter(z, 2), (LOGITS,)),
    "top_p_filter": (lambda z: lu.top_p_filter(z, 0.8), (LOGITS,)),
    "predict_class": (lu.predict_class, (LOGITS,)),
    "predict_binary": (lu.predict_binary, (LOGITS,)),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(CALLS))
def test_tensor_in_tensor_out(name, dtype):
    function, arrays = CALLS[name]
    tensors = [torch.from_numpy(a).to(dtype) if a.dtype.kind == "f"
               else torch.from_numpy(a) for a in arrays]
    expected = function(*[t.numpy() for t in tensors])
    got = function(*tensors)
    assert isinstance(got, torch.Tensor)
    assert got.device == tensors[0].device
    assert got.shape == np.shape(expected)
    np.testing.assert_array_equal(got.numpy(), expected)
    if got.is_floating_point():
        assert got.dtype == dtype


def test_requires_grad_is_detached():
    z = torch.tensor([[0.0, 1.0, 2.0]], requires_grad=True)
    got = lu.softmax(z)
    assert not got.requires_grad
    np.testing.assert_array_equal(
        got.numpy(), lu.softmax(np.array([[0.0, 1.0, 2.0]], np.float32)))
    # The input is left alone, still part of its graph.
    assert z.requires_grad and z.grad is None


def test_float16_and_bfloat16_tensors_keep_their_dtype():
    values = [-3.0, 0.0, 0.5, 7.0]
    half = lu.sigmoid(torch.tensor(values, dtype=torch.float16))
    assert half.dtype == torch.float16
    np.testing.assert_array_equal(
        half.numpy(), lu.sigmoid(np.array(values, np.float16)))
    brain = lu.sigmoid(torch.tensor(values, dtype=torch.bfloat16))
    assert brain.dtype == torch.bfloat16
    # bfloat16 is computed in float32 and rounded once.
    expected = torch.from_numpy(lu.sigmoid(np.array(values, np.float32)))
    assert torch.equal(brain, expected.to(torch.bfloat16))


def test_scalar_results_are_zero_dimensional_tensors():
    z = torch.from_numpy(LOGITS)
    loss = lu.cross_entropy(z, torch.from_numpy(LABELS))
    reference = torch.nn.functional.cross_entropy(z, torch.from_numpy(LABELS))
    assert loss.shape == () and loss.dtype == torch.float64
    torch.testing.assert_close(loss, reference, rtol=1e-14, atol=0)
    assert lu.sigmoid(torch.tensor(0.0)).shape == ()


def test_mixed_tensor_and_numpy_arguments():
    got = lu.cross_entropy(torch.from_numpy(LOGITS), LABELS, reduction="none")
    assert isinstance(got, torch.Tensor)
    np.testing.assert_array_equal(
        got.numpy(), lu.cross_entropy(LOGITS, LABELS, reduction="none"))


def test_non_contiguous_and_flipped_tensors():
    z = torch.from_numpy(LOGITS).t().flip(0)
    np.testing.assert_array_equal(
        lu.log_softmax(z).numpy(), lu.log_softmax(LOGITS.T[::-1].copy()))


def test_float_results_stay_python_floats():
    z, y = torch.from_numpy(LOGITS), torch.from_numpy(LABELS)
    assert lu.fit_temperature(z, y) == lu.fit_temperature(LOGITS, LABELS)
    probs = lu.softmax(LOGITS)
    assert (lu.expected_calibration_error(torch.from_numpy(probs), y)
            == lu.expected_calibration_error(probs, LABELS))


def test_sampling_returns_an_index_tensor():
    z = torch.from_numpy(LOGITS)
    got = lu.sample_from_logits(z, rng=np.random.default_rng(3))
    want = lu.sample_from_logits(LOGITS, rng=np.random.default_rng(3))
    assert got.dtype == torch.int64
    np.testing.assert_array_equal(got.numpy(), want)


def test_complex_tensors_are_rejected_by_dtype():
    with pytest.raises(TypeError, match="complex"):
        lu.sigmoid(torch.tensor([1 + 1j]))


@pytest.mark.parametrize("name", list(CALLS))
def test_input_tensors_are_left_unchanged(name):
    # The NumPy arrays share the tensors' memory, so a kernel writing into
    # its input would show here.
    function, arrays = CALLS[name]
    tensors = [torch.from_numpy(a.copy()) for a in arrays]
    before = [t.clone() for t in tensors]
    function(*tensors)
    for t, original in zip(tensors, before, strict=True):
        assert torch.equal(t, original)
