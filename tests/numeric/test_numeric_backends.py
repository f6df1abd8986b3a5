"""The torch backend against numpy (skipped cleanly when torch is absent)."""

import numpy as np
import pytest

from symflat.models import DeepLinear, DeepNetwork, Points, ReluOneHidden
from symflat.numeric import get_backend, hessian, objective, problems, sharpness
from symflat.numeric.dynamics import gradient_descent

torch = pytest.importorskip("torch")


def test_env_selects_backend(monkeypatch):
    monkeypatch.setenv("SYMFLAT_BACKEND", "torch")
    assert get_backend().name == "torch"
    monkeypatch.setenv("SYMFLAT_BACKEND", "numpy")
    assert get_backend().name == "numpy"


@pytest.mark.parametrize("method", ["dense", "lanczos", "eigsh", "power", "structured"])
def test_torch_backend_matches_numpy(method):
    model = DeepLinear((4, 6, 5, 3))
    data = problems.synthetic_regression(64, 4, 3, seed=1)
    w = problems.deep_linear_minimum(model, data, seed=2) if method == "structured" else problems.random_weights(model, 0.6)
    a = sharpness(model, w, data, method, backend="numpy", tol=1e-10)
    b = sharpness(model, w, data, method, backend="torch", tol=1e-10)
    assert b.backend.startswith("torch:cpu:float64")
    assert b.eigenvalue == pytest.approx(a.eigenvalue, rel=1e-9)


def test_autodiff_hessians_match_closed_form_products():
    rng = np.random.default_rng(0)
    model = DeepLinear((3, 4, 2))
    data = problems.synthetic_regression(20, 3, 2)
    w = rng.standard_normal(model.num_params)
    np.testing.assert_allclose(hessian(model, w, data, autodiff=True), hessian(model, w, data), rtol=1e-11, atol=1e-12)
    relu = ReluOneHidden(5)
    x = rng.standard_normal(15)
    d = Points(x, np.cos(x))
    wr = rng.standard_normal(relu.num_params)
    np.testing.assert_allclose(hessian(relu, wr, d, autodiff=True), hessian(relu, wr, d), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("loss", ["square", "logistic"])
def test_deep_network_closed_form_matches_autodiff_and_float32_is_close(loss):
    model = DeepNetwork((3, 8, 8, 1), activation="leaky_relu", negative_slope=0.2, loss=loss)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 3))
    data = Points(X, np.sign(X[:, :1]) if loss == "logistic" else rng.standard_normal((40, 1)))
    w = problems.random_weights(model, 0.5, seed=3)
    H = hessian(model, w, data)
    np.testing.assert_allclose(H, hessian(model, w, data, autodiff=True), rtol=1e-10, atol=1e-12)
    exact = np.linalg.eigvalsh(H)[-1]
    res = sharpness(model, w, data, "lanczos", backend="torch", tol=1e-10)
    assert res.backend.startswith("torch") and res.eigenvalue == pytest.approx(exact, rel=1e-9)
    low = sharpness(model, w, data, "lanczos", backend="torch", dtype="float32", tol=1e-5)
    assert "float32" in low.backend and low.eigenvalue == pytest.approx(exact, rel=1e-4)


def test_gd_on_torch_matches_numpy():
    model = DeepLinear((3, 4, 2))
    data = problems.synthetic_regression(30, 3, 2, seed=2)
    w0 = problems.random_weights(model, 0.5, seed=1)
    a = gradient_descent(model, w0, data, 0.05, 50)
    b = gradient_descent(model, w0, data, 0.05, 50, backend="torch")
    np.testing.assert_allclose(b.final, a.final, rtol=1e-12)
    assert isinstance(b.final, np.ndarray) and b.backend.startswith("torch")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    model = DeepLinear((4, 8, 8, 3))
    data = problems.synthetic_regression(64, 4, 3, seed=1)
    w = problems.random_weights(model, 0.6)
    a = sharpness(model, w, data, "lanczos", backend="numpy", tol=1e-10)
    b = sharpness(model, w, data, "lanczos", backend="torch", device="cuda", tol=1e-10)
    assert "cuda" in b.backend and b.eigenvalue == pytest.approx(a.eigenvalue, rel=1e-9)
    c = sharpness(DeepNetwork((4, 8, 3)), problems.random_weights(DeepNetwork((4, 8, 3)), 0.5), data, device="cuda")
    assert "cuda" in c.backend


def test_structured_methods_on_torch_match_numpy():
    from symflat.models import LinearWithOutput

    lo = LinearWithOutput((3, 5, 4), output=(1.0, -2.0, 0.5, 1.0))
    d = problems.synthetic_regression(40, 3, 1, seed=7)
    w = problems.linear_with_output_minimum(lo, d, seed=2)
    a, b = sharpness(lo, w, d, "structured"), sharpness(lo, w, d, "structured", backend="torch")
    assert b.backend.startswith("torch") and b.eigenvalue == pytest.approx(a.eigenvalue, rel=1e-12)
    big = DeepLinear((20, 20, 15))  # small operator of size 300: matrix-free Lanczos on the backend
    d2 = problems.synthetic_regression(100, 20, 15, seed=3)
    w2 = problems.deep_linear_minimum(big, d2, seed=1)
    assert sharpness(big, w2, d2, "structured", backend="torch").eigenvalue == pytest.approx(
        sharpness(big, w2, d2, "structured").eigenvalue, rel=1e-10)
    relu = ReluOneHidden(6)
    x = np.linspace(-1, 1, 9) + 0.013
    wr = problems.random_weights(relu, 1.0, seed=4)
    y = np.asarray(objective(relu, Points(x, np.zeros(9))).parts(wr)[-1])  # residuals against 0 = f(x)
    data = Points(x, y)
    a, b = sharpness(relu, wr, data, "structured"), sharpness(relu, wr, data, "structured", backend="torch")
    assert b.eigenvalue == pytest.approx(a.eigenvalue, rel=1e-12)


def test_relu_gd_on_torch_matches_numpy():
    relu = ReluOneHidden(5)
    x = np.linspace(-1, 1, 15)
    data = Points(x, np.sin(2 * x))
    w0 = problems.random_weights(relu, 0.8, seed=2)
    a = gradient_descent(relu, w0, data, 0.05, 100)
    b = gradient_descent(relu, w0, data, 0.05, 100, backend="torch")
    np.testing.assert_allclose(b.final, a.final, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.loss, a.loss, rtol=1e-10)
