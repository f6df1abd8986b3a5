"""The jax backend against numpy (skipped cleanly when jax is absent)."""

import numpy as np
import pytest

from symflat.models import DeepLinear, DeepNetwork, LinearWithOutput, Points, ReluOneHidden
from symflat.numeric import BackendError, get_backend, hessian, problems, sharpness
from symflat.numeric.dynamics import gradient_descent, gradient_flow

jax = pytest.importorskip("jax")


def test_env_selects_jax(monkeypatch):
    monkeypatch.setenv("SYMFLAT_BACKEND", "jax")
    assert get_backend().name == "jax"


def test_bad_jax_device_is_named():
    with pytest.raises(BackendError, match="bad jax device"):
        get_backend("jax", device="tpu-ish")
    with pytest.raises(BackendError, match="no such"):
        get_backend("jax", device="cpu:7")


@pytest.mark.parametrize("method", ["dense", "lanczos", "eigsh", "power", "structured"])
def test_jax_backend_matches_numpy(method):
    model = DeepLinear((4, 6, 5, 3))
    data = problems.synthetic_regression(64, 4, 3, seed=1)
    w = problems.deep_linear_minimum(model, data, seed=2) if method == "structured" else problems.random_weights(model, 0.6)
    a = sharpness(model, w, data, method, backend="numpy", tol=1e-10)
    b = sharpness(model, w, data, method, backend="jax", tol=1e-10)
    assert b.backend.startswith("jax:cpu:float64")
    assert b.eigenvalue == pytest.approx(a.eigenvalue, rel=1e-9)
    smallest = sharpness(model, w, data, "lanczos", which="smallest", backend="jax", tol=1e-10)
    assert smallest.eigenvalue == pytest.approx(np.linalg.eigvalsh(hessian(model, w, data))[0], rel=1e-7, abs=1e-9)


def test_structured_on_jax_with_a_large_small_operator_and_relu_gram():
    big = DeepLinear((20, 20, 15))  # small operator of size 300: matrix-free Lanczos on jax arrays
    d = problems.synthetic_regression(100, 20, 15, seed=3)
    w = problems.deep_linear_minimum(big, d, seed=1)
    res = sharpness(big, w, d, "structured", backend="jax")
    assert res.hvps > 0 and res.eigenvalue == pytest.approx(np.linalg.eigvalsh(hessian(big, w, d))[-1], rel=1e-10)
    relu = ReluOneHidden(6)
    x = np.linspace(-1, 1, 9) + 0.013
    wr = problems.random_weights(relu, 1.0, seed=4)
    w1, b1, w2, b2 = wr[:6], wr[6:12], wr[12:18], wr[18]
    data = Points(x, np.maximum(np.outer(x, w1) + b1, 0) @ w2 + b2)  # interpolated exactly
    a, b = sharpness(relu, wr, data, "structured"), sharpness(relu, wr, data, "structured", backend="jax")
    assert b.backend.startswith("jax") and b.eigenvalue == pytest.approx(a.eigenvalue, rel=1e-12)


def test_residual_parametrisation_on_jax():
    rng = np.random.default_rng(0)
    model = LinearWithOutput((3,) * 4, output=(1.0, 0.5, -1.0), residual=True, noise=rng.standard_normal((3, 3, 3)),
                             scale=0.6)
    data = problems.synthetic_regression(30, 3, 1, seed=2)
    theta = rng.standard_normal(model.num_params) * 0.3
    np.testing.assert_allclose(hessian(model, theta, data, backend="jax"), hessian(model, theta, data), rtol=1e-12)


def test_dynamics_on_jax_match_numpy():
    model = DeepNetwork((3, 5, 2), activation="leaky_relu", negative_slope=0.1, loss="half_square")
    rng = np.random.default_rng(2)
    X = rng.standard_normal((25, 3))
    data = Points(X, rng.standard_normal((25, 2)))
    w0 = problems.random_weights(model, 0.5, seed=1)
    a = gradient_descent(model, w0, data, 0.05, 40)
    b = gradient_descent(model, w0, data, 0.05, 40, backend="jax")
    np.testing.assert_allclose(b.final, a.final, rtol=1e-11, atol=1e-13)
    assert isinstance(b.final, np.ndarray) and b.backend.startswith("jax")
    lin = DeepLinear((3, 4, 2))
    d2 = problems.synthetic_regression(30, 3, 2, seed=2)
    w1 = problems.random_weights(lin, 0.5, seed=3)
    f_np = gradient_flow(lin, w1, d2, 1.0, rtol=1e-10, atol=1e-12)
    f_jx = gradient_flow(lin, w1, d2, 1.0, rtol=1e-10, atol=1e-12, backend="jax")
    np.testing.assert_allclose(f_jx.final, f_np.final, rtol=1e-8, atol=1e-10)


def test_float32_on_jax_is_close():
    model = DeepLinear((4, 6, 3))
    data = problems.synthetic_regression(50, 4, 3, seed=0)
    w = problems.random_weights(model, 0.6, seed=1)
    exact = np.linalg.eigvalsh(hessian(model, w, data))[-1]
    low = sharpness(model, w, data, "lanczos", backend="jax", dtype="float32", tol=1e-5)
    assert "float32" in low.backend and low.eigenvalue == pytest.approx(exact, rel=1e-4)
