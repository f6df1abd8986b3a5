"""Losses, gradients and Hessian-vector products against independent computations."""

import numpy as np
import pytest

from symflat.models import DeepLinear, DeepNetwork, LinearWithOutput, ModelError, Moments, Points, ReluOneHidden, ScalarChain
from symflat.numeric import BackendError, NumericError, objective, problems
from symflat.numeric.objective import pack, unpack
from symflat.numeric.backend import get_backend


def fd_hessian(obj, w, h=1e-5):
    """Central differences of the gradient: an independent check of the HVPs."""
    n = len(w)
    H = np.zeros((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        H[:, i] = (np.asarray(obj.grad(w + e)) - np.asarray(obj.grad(w - e))) / (2 * h)
    return (H + H.T) / 2


def fd_grad(obj, w, h=1e-6):
    return np.array([(obj.loss(w + h * e) - obj.loss(w - h * e)) / (2 * h) for e in np.eye(len(w))])


def direct_linear_loss(model, w, X, Y, out=None):
    mats = [w[b.slice].reshape(b.shape, order="F") for b in model.blocks]
    h = X
    for W in mats:
        h = h @ W.T
    if out is not None:
        h = h @ np.asarray(out)[:, None]
    return np.mean(np.sum((h - Y.reshape(len(Y), -1)) ** 2, axis=1))


def test_vec_layout_is_column_major():
    model = DeepLinear((2, 3))
    w = np.arange(6.0)
    (W,) = unpack(model, w)
    assert np.array_equal(W, np.arange(6.0).reshape(3, 2, order="F"))
    assert np.array_equal(pack(get_backend("numpy"), [W]), w)


@pytest.mark.parametrize("dims", [(3, 4, 2), (2, 5, 4, 3), (4, 3, 3, 3, 2)])
def test_deep_linear_loss_grad_hvp(dims):
    rng = np.random.default_rng(len(dims))
    model = DeepLinear(dims)
    data = problems.synthetic_regression(40, dims[0], dims[-1], seed=1)
    obj = objective(model, data)
    w = rng.standard_normal(model.num_params) * 0.6
    assert obj.kind == "moments"
    assert obj.loss(w) == pytest.approx(direct_linear_loss(model, w, np.asarray(data.X), np.asarray(data.Y)), rel=1e-12)
    np.testing.assert_allclose(obj.grad(w), fd_grad(obj, w), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(obj.hessian(w), fd_hessian(obj, w), rtol=1e-5, atol=1e-6)


def test_linear_with_output_matches_direct_loss():
    model = LinearWithOutput((3, 4, 2), output=(1.5, -0.5))
    data = problems.synthetic_regression(30, 3, 1, seed=4)
    obj = objective(model, data)
    w = np.random.default_rng(0).standard_normal(model.num_params)
    X, Y = np.asarray(data.X), np.asarray(data.Y)
    assert obj.loss(w) == pytest.approx(direct_linear_loss(model, w, X, Y, out=model.output), rel=1e-12)
    np.testing.assert_allclose(obj.hessian(w), fd_hessian(obj, w), rtol=1e-5, atol=1e-6)


def _residual_model(d=2, L=3, seed=0):
    rng = np.random.default_rng(seed)
    return LinearWithOutput((d,) * (L + 1), output=tuple(rng.standard_normal(d)), residual=True,
                            noise=rng.standard_normal((L, d, d)), scale=0.7)


def test_residual_parametrisation_matches_the_exact_derivation():
    """Marion & Chizat eq. (2): W_k = I + s/sqrt(Ld) N_k + theta_k/L. Loss, gradient and Hessian in
    the theta_k against SymPy's exact derivation of the same model (an independent route)."""
    from symflat.symbolic import derive

    model = _residual_model()
    data = problems.synthetic_regression(12, 2, 1, seed=1)
    theta = np.random.default_rng(5).standard_normal(model.num_params) * 0.5
    exact = derive(model, data)
    obj = objective(model, data)
    assert obj.loss(theta) == pytest.approx(float(exact.at(theta, "loss")), rel=1e-11)
    np.testing.assert_allclose(obj.grad(theta), np.array(exact.at(theta, "gradient"), dtype=float).ravel(), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(obj.hessian(theta), np.array(exact.at(theta, "hessian"), dtype=float), rtol=1e-9,
                               atol=1e-11)


def test_residual_parametrisation_under_torch_autodiff():
    pytest.importorskip("torch")
    model = _residual_model(d=3, L=2, seed=2)
    data = problems.synthetic_regression(15, 3, 1, seed=0)
    theta = np.random.default_rng(1).standard_normal(model.num_params)
    np.testing.assert_allclose(objective(model, data, autodiff=True).hessian(theta), objective(model, data).hessian(theta),
                               rtol=1e-10, atol=1e-12)


def test_residual_model_validates_noise_shapes():
    from symflat.models import ModelError

    with pytest.raises(ModelError, match="3 matrices of size 2x2"):
        LinearWithOutput((2, 2, 2, 2), residual=True, noise=np.zeros((2, 2, 2)), scale=1.0)
    with pytest.raises(ModelError, match="belong to the residual parametrisation"):
        LinearWithOutput((2, 2, 2), scale=1.0)


def test_scalar_chain_hessian_at_minimum_is_eq9():
    """Mulayoff & Michaeli eq. (8)-(9): H = 2 sigma_x^2 tau^2 z z^T with z_j = 1 / w_j on Omega."""
    sx2, tau = 1.7, 0.8
    data = Moments([[sx2]], [[tau * sx2]])
    w = np.array([0.5, -2.0, -0.8])
    assert np.prod(w) == pytest.approx(tau)
    H = objective(ScalarChain(3), data).hessian(w)
    z = 1 / w
    np.testing.assert_allclose(H, 2 * sx2 * tau**2 * np.outer(z, z), rtol=1e-12)


def test_relu_one_hidden_matches_finite_differences():
    rng = np.random.default_rng(3)
    model = ReluOneHidden(6)
    x = rng.standard_normal(25)
    data = Points(x, np.sin(x))
    obj = objective(model, data)
    w = rng.standard_normal(model.num_params)
    w1, b1, w2, b2 = w[:6], w[6:12], w[12:18], w[18]
    f = np.maximum(np.outer(x, w1) + b1, 0) @ w2 + b2
    assert obj.loss(w) == pytest.approx(np.mean((f - np.sin(x)) ** 2) / 2, rel=1e-12)
    np.testing.assert_allclose(obj.grad(w), fd_grad(obj, w), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(obj.hessian(w), fd_hessian(obj, w), rtol=1e-5, atol=1e-6)


def test_bad_inputs_raise_clear_errors():
    model = DeepLinear((3, 2))
    data = problems.synthetic_regression(10, 3, 2)
    with pytest.raises(NumericError, match="6 parameters"):
        objective(model, data).loss(np.zeros(5))
    with pytest.raises(NumericError, match="do not fit"):
        objective(DeepLinear((4, 2)), data)
    with pytest.raises(NumericError, match="Moments or Points"):
        objective(model, [[1.0]])
    with pytest.raises(NumericError, match=r"needs noise \(the matrices N_k\) and scale"):
        objective(LinearWithOutput((2, 2, 2), output=(1, 1), residual=True), problems.synthetic_regression(5, 2, 1))
    with pytest.raises(NumericError, match=r"needs scale \(s\)"):
        objective(LinearWithOutput((2, 2, 2), output=(1, 1), residual=True, noise=np.zeros((2, 2, 2))),
                  problems.synthetic_regression(5, 2, 1))
    with pytest.raises(NumericError, match="Points"):
        objective(ReluOneHidden(2), Moments([[1.0]], [[1.0]]))
    with pytest.raises(ModelError, match=r"X: entries must be finite"):  # refused when the data are built
        objective(model, Points(np.full((4, 3), np.nan), np.zeros((4, 2))))
    with pytest.raises(NumericError, match="Sigma_x is not symmetric"):
        objective(model, Moments([[1, 2, 0], [0, 1, 0], [0, 0, 1]], np.zeros((2, 3))))
    with pytest.raises(NumericError, match="Sigma_x has a negative eigenvalue"):
        objective(model, Moments(-np.eye(3), np.zeros((2, 3))))
    with pytest.raises(ModelError, match="Sigma_yx: entries must be finite"):
        objective(model, Moments(np.eye(3), np.full((2, 3), np.inf)))
    with pytest.raises(ModelError, match="Sigma_x: entries must be real numbers"):
        objective(model, Moments([["a", 0, 0], [0, 1, 0], [0, 0, 1]], np.zeros((2, 3))))
    with pytest.raises(NumericError, match=r"weights \(the weight vector\) must be numeric"):
        objective(model, data).loss("abc")
    with pytest.raises(BackendError, match="autodiff"):
        objective(DeepNetwork((2, 3, 1)), problems.synthetic_regression(5, 2, 1), backend="numpy", autodiff=True)
    with pytest.raises(NumericError, match="do not fit"):
        objective(DeepNetwork((3, 3, 1)), problems.synthetic_regression(5, 2, 1))
    with pytest.raises(BackendError, match="unknown backend"):
        objective(model, data, backend="jaxx")
    with pytest.raises(BackendError, match="CPU only"):
        objective(model, data, backend="numpy", device="cuda")


def test_offline_digits_data_and_synthetic_shapes():
    pytest.importorskip("sklearn")
    d = problems.digits(100, seed=1)
    X, Y = np.asarray(d.X), np.asarray(d.Y)
    assert X.shape == (100, 64) and Y.shape == (100, 10)
    assert np.allclose(Y.sum(1), 1) and set(np.unique(Y)) == {0.0, 1.0}
    assert problems.digits(seed=0).n == 1797
    with pytest.raises(NumericError, match="between 1 and 1797"):
        problems.digits(5000)
    s = problems.synthetic_regression(7, 3, 2, seed=0)
    assert np.asarray(s.X).shape == (7, 3) and np.asarray(s.Y).shape == (7, 2)
    with pytest.raises(NumericError, match="n must be an integer >= 1"):
        problems.synthetic_regression(0, 3)


@pytest.mark.parametrize("kind", ["linear", "output", "relu", "network"])
def test_fused_loss_and_grad_agree_with_finite_differences(kind):
    rng = np.random.default_rng(7)
    if kind == "relu":
        model = ReluOneHidden(4)
        x = rng.standard_normal(12)
        data = Points(x, np.cos(x))
    elif kind == "output":
        model = LinearWithOutput((3, 4, 2), output=(0.5, -1.0))
        data = problems.synthetic_regression(20, 3, 1, seed=1)
    elif kind == "network":
        model = DeepNetwork((3, 5, 2), activation="leaky_relu", negative_slope=0.3)
        data = problems.synthetic_regression(20, 3, 2, seed=1)
    else:
        model = DeepLinear((3, 4, 4, 2))
        data = problems.synthetic_regression(20, 3, 2, seed=1)
    obj = objective(model, data)
    w = rng.standard_normal(model.num_params) * 0.7
    val, g = obj.loss_and_grad(w)
    assert val == pytest.approx(obj.loss(w), rel=1e-13)
    np.testing.assert_allclose(np.asarray(g), fd_grad(obj, w), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("activation", ["linear", "relu", "leaky_relu"])
@pytest.mark.parametrize("loss", ["square", "half_square", "logistic"])
def test_deep_network_closed_form_products_match_finite_differences(activation, loss):
    rng = np.random.default_rng(5)
    model = DeepNetwork((3, 5, 4, 1), activation=activation, negative_slope=0.2, loss=loss)
    X = rng.standard_normal((25, 3))
    Y = np.sign(X[:, :1] + 0.1) if loss == "logistic" else np.tanh(X[:, :1])
    obj = objective(model, Points(X, Y))
    assert obj.kind == "analytic" and obj.backend.name == "numpy"
    w = rng.standard_normal(model.num_params) * 0.6
    h = X
    mats = [w[b.slice].reshape(b.shape, order="F") for b in model.blocks]
    for j, W in enumerate(mats):
        h = h @ W.T
        if j < len(mats) - 1:
            h = np.where(h > 0, h, {"linear": 1.0, "relu": 0.0, "leaky_relu": 0.2}[activation] * h)
    direct = {"square": np.mean((h - Y) ** 2), "half_square": np.mean((h - Y) ** 2) / 2,
              "logistic": np.mean(np.log1p(np.exp(-Y * h)))}[loss]
    assert obj.loss(w) == pytest.approx(direct, rel=1e-12)
    np.testing.assert_allclose(obj.grad(w), fd_grad(obj, w), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(obj.hessian(w), fd_hessian(obj, w), rtol=1e-5, atol=1e-6)
