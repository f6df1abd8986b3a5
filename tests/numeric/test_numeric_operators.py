"""Curvature operators against the dense Hessian, and through scipy's solvers."""

import numpy as np
import pytest
import scipy.sparse.linalg as sla

from symflat.models import DeepLinear, DeepNetwork, LinearWithOutput, Points, ReluOneHidden
from symflat.numeric import NotApplicable, NumericError, gram_operator, hessian, hessian_operator, problems


def test_hessian_operator_is_the_dense_hessian_and_feeds_eigsh():
    model = DeepNetwork((3, 6, 2), activation="leaky_relu", negative_slope=0.1, loss="square")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    data = Points(X, rng.standard_normal((30, 2)))
    w = problems.random_weights(model, 0.6, seed=1)
    H = hessian(model, w, data)
    op = hessian_operator(model, w, data)
    v = rng.standard_normal(model.num_params)
    np.testing.assert_allclose(op @ v, H @ v, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(op.to_dense(), H, rtol=1e-10, atol=1e-12)
    top = sla.eigsh(op, k=3, which="LA", tol=1e-12)[0]
    np.testing.assert_allclose(np.sort(top), np.linalg.eigvalsh(H)[-3:], rtol=1e-9)
    assert op.products > 0 and op.H is op  # symmetric: the adjoint is the operator itself
    with pytest.raises(NumericError, match="NaN"):
        op @ np.full(model.num_params, np.nan)


@pytest.mark.parametrize("dims", [(4, 5, 3), (3, 4, 4, 2)])
def test_gram_operator_carries_the_nonzero_spectrum_at_deep_linear_minima(dims):
    """Lemma 3, eq. 20-21: 2 Phi^T Phi and H = 2 Phi Phi^T share their nonzero eigenvalues, and
    Phi b is a Hessian eigenvector."""
    model = DeepLinear(dims)
    data = problems.synthetic_regression(50, dims[0], dims[-1], seed=2)
    w = problems.deep_linear_minimum(model, data, seed=3, layer_scales=np.linspace(0.8, 1.3, model.depth))
    H = hessian(model, w, data)
    small = gram_operator(model, w, data)
    assert small.shape == (dims[0] * dims[-1],) * 2
    mu, B = np.linalg.eigh(small.to_dense())
    ev = np.linalg.eigvalsh(H)
    nonzero = ev[np.abs(ev) > 1e-9 * ev[-1]]
    np.testing.assert_allclose(np.sort(mu[mu > 1e-9 * mu[-1]]), np.sort(nonzero), rtol=1e-9)
    v = small.lift(B[:, -1])
    np.testing.assert_allclose(H @ v, mu[-1] * v, atol=1e-9 * mu[-1])
    assert np.linalg.norm(v) ** 2 == pytest.approx(mu[-1], rel=1e-12)


def test_gram_operator_for_the_residual_parametrisation_and_relu():
    rng = np.random.default_rng(1)
    model = LinearWithOutput((3,) * 4, output=(1.0, 0.5, -1.0), residual=True, noise=rng.standard_normal((3, 3, 3)),
                             scale=0.7)
    data = problems.synthetic_regression(40, 3, 1, seed=4)
    theta = problems.linear_with_output_minimum(model, data)
    small = gram_operator(model, theta, data)
    assert np.linalg.eigvalsh(small.to_dense())[-1] == pytest.approx(np.linalg.eigvalsh(hessian(model, theta, data))[-1],
                                                                      rel=1e-10)
    relu = ReluOneHidden(5)
    x = np.linspace(-1, 1, 7) + 0.011
    wr = problems.random_weights(relu, 1.0, seed=2)
    w1, b1, w2, b2 = wr[:5], wr[5:10], wr[10:15], wr[15]
    d = Points(x, np.maximum(np.outer(x, w1) + b1, 0) @ w2 + b2)  # interpolated exactly
    g = gram_operator(relu, wr, d)
    assert g.shape == (7, 7)
    assert np.linalg.eigvalsh(g.to_dense())[-1] == pytest.approx(np.linalg.eigvalsh(hessian(relu, wr, d))[-1], rel=1e-10)


def test_gram_operator_refuses_points_that_are_not_minima():
    model = DeepLinear((3, 4, 2))
    data = problems.synthetic_regression(20, 3, 2, seed=0)
    with pytest.raises(NotApplicable, match="not a global minimum"):
        gram_operator(model, problems.random_weights(model, 0.5), data)
    with pytest.raises(NotApplicable, match="no Gram factorisation"):
        gram_operator(DeepNetwork((3, 4, 2)), problems.random_weights(DeepNetwork((3, 4, 2)), 0.5), data)
    with pytest.raises(NumericError, match="NaN"):
        gram_operator(model, np.full(model.num_params, np.nan), data)
    small = gram_operator(model, problems.deep_linear_minimum(model, data), data)
    with pytest.raises(NumericError, match="length 6"):
        small.lift(np.ones(5))
