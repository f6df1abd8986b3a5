"""Elkabetz & Cohen Lemma 5 (the Hessian as a quadratic form) and the one-hidden-layer ReLU
network's gradient in a fixed pattern and Gram matrix (Mulayoff, Michaeli & Soudry, S32, eq. 26-27)."""

import numpy as np
import pytest
import sympy as sp

from symflat.claims import Status
from symflat.models import DeepLinear, DeepNetwork, Moments, Points, ReluOneHidden
from symflat.symbolic import (
    NotAMinimumError,
    Parameters,
    SymbolicError,
    activation_pattern,
    derive,
    direct_form,
    gradient_in_pattern,
    gram_matrix,
    hessian_at_interpolation,
    lemma5_form,
    prove_equal,
    random_rational,
    tangent_features,
)
from symflat.symbolic.losses import relu_output


@pytest.mark.parametrize("model, data", [
    (DeepNetwork([2, 2, 1], activation="linear", loss="square"), Points([[1, 2], [3, -1]], [1, 2])),
    (DeepNetwork([2, 1, 2, 2], activation="linear", loss="half_square"), Points([[1, 0], [2, 1]], [[1, 0], [0, 1]])),
    (DeepLinear([2, 2, 2]), Moments([[2, 1], [1, 3]], [[1, 0], [2, 1]])),
])
def test_lemma5_equals_the_hessian_quadratic_form_symbolically(model, data):
    result = prove_equal(lemma5_form(model, data), direct_form(derive(model, data).hessian(), model), max_ops=10**6)
    assert result.proved and result.evidence().status is Status.CERTIFIED  # exact at this one shape


def test_lemma5_with_logistic_loss_at_rational_points():
    model = DeepNetwork([1, 2, 2, 1], activation="linear", loss="logistic")
    data = Points([[1], [-2]], [1, -1])
    rng = np.random.default_rng(2)
    H = derive(model, data).hessian()
    for _ in range(2):
        W = [random_rational(rng) for _ in range(model.num_params)]
        dW = [random_rational(rng) for _ in range(model.num_params)]
        sub = dict(zip(derive(model, data).params.vector, W))
        assert prove_equal(lemma5_form(model, data, W, dW), direct_form(H.xreplace(sub), model, dW)).holds


def test_lemma5_rejects_nonlinear_activation():
    with pytest.raises(SymbolicError, match="linear activations"):
        lemma5_form(DeepNetwork([1, 2, 1]), Points([[1]], [1]))


def _interpolating_relu():
    """f(x) = 2 relu(x) - relu(1 - x) + 1/2 on three points, no knot on a data point."""
    point = [1, -1, 0, 1, 2, -1, sp.Rational(1, 2)]
    f = lambda x: 2 * max(x, 0) - max(1 - x, 0) + sp.Rational(1, 2)  # noqa: E731
    X = [sp.Rational(-3, 2), sp.Rational(1, 2), 2]
    return ReluOneHidden(2), Points([[x] for x in X], [f(x) for x in X]), point


def test_relu_gradient_in_pattern_matches_S32_and_differentiation():
    model, data, point = _interpolating_relu()
    x = sp.Rational(1, 2)
    assert gradient_in_pattern(model, x, [1, 1], point) == sp.Matrix([2 * x, -x, 2, -1, x, 1 - x, 1])
    params = Parameters.of(model)
    for active in ([1, 1], [1, 0], [0, 0]):
        f = relu_output(params.blocks, x, active)
        by_diff = sp.Matrix([sp.diff(f, v) for v in params.vector])
        assert (gradient_in_pattern(model, x, active) - by_diff).applyfunc(sp.expand).is_zero_matrix


def test_relu_hessian_at_interpolation_is_the_gram_form():
    model, data, point = _interpolating_relu()
    H = hessian_at_interpolation(model, data, point)
    pattern = activation_pattern(model, data, point)
    assert (derive(model, data, pattern=pattern).at(point) - H).is_zero_matrix
    assert (derive(model, data).at(point) - H).is_zero_matrix  # Max-based loss, same piece
    G = gram_matrix(model, data, point)
    Phi = tangent_features(model, data, point)
    assert G.shape == (3, 3) and H.shape == (7, 7)
    lam = sp.Symbol("lambda")
    # same nonzero eigenvalues (eq. 27): det(lam I - Phi Phi^T/n) = lam^(7-3) det(lam I - Phi^T Phi/n)
    assert sp.expand(H.charpoly(lam).as_expr() - lam**4 * G.charpoly(lam).as_expr()) == 0
    assert (Phi.T * Phi / 3 - G).is_zero_matrix


def test_one_neuron_relu_gram_by_hand():
    model = ReluOneHidden(1)
    # f(x) = 2 relu(x) + 1 interpolates (1, 3) and (2, 5)
    point, data = [1, 0, 2, 1], Points([[1], [2]], [3, 5])
    G = gram_matrix(model, data, point)
    g1, g2 = sp.Matrix([2, 2, 1, 1]), sp.Matrix([4, 2, 2, 1])  # [x w2, w2, x w1 + b1, 1]
    assert G == sp.Matrix([[g1.dot(g1), g1.dot(g2)], [g2.dot(g1), g2.dot(g2)]]) / 2


def test_relu_errors():
    model, data, point = _interpolating_relu()
    bad = list(point)
    bad[-1] = 0
    with pytest.raises(NotAMinimumError, match="does not interpolate"):
        hessian_at_interpolation(model, data, bad)
    with pytest.raises(SymbolicError, match="kink on training example 1"):
        tangent_features(model, Points([[0], [1]], [sp.Rational(1, 2), 1]), point)
    with pytest.raises(SymbolicError, match="0 or 1"):
        gradient_in_pattern(model, 1, [1, 2], point)
