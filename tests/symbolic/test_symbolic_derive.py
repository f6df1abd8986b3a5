"""Losses, gradients and Hessians of every model family: hand-derived cases, finite differences,
vec layout, lambdify/LaTeX, and clear errors on bad input."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from symflat.models import DeepLinear, DeepNetwork, LinearWithOutput, ModelError, Moments, Points, ReluOneHidden, ScalarChain
from symflat.symbolic import (
    Parameters,
    SymbolicError,
    activation_pattern,
    derive,
    random_matrix,
    random_rational,
    symbolic_moments,
    vec,
)


def fd_hessian(f, theta, h=1e-4):
    """Central finite-difference Hessian of a scalar function."""
    n = len(theta)
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            e_i, e_j = np.eye(n)[i] * h, np.eye(n)[j] * h
            H[i, j] = (f(theta + e_i + e_j) - f(theta + e_i - e_j) - f(theta - e_i + e_j) + f(theta - e_i - e_j)) / (4 * h * h)
    return H


def test_two_layer_scalar_by_hand():
    a, b, c = sp.symbols("a b c", positive=True)
    d = derive(ScalarChain(2), Moments([[a]], [[b]], [[c]]))
    w1, w2 = d.params.vector
    assert sp.expand(d.loss - (c - 2 * b * w1 * w2 + a * w1**2 * w2**2)) == 0
    expected = sp.Matrix([[2 * a * w2**2, 4 * a * w1 * w2 - 2 * b], [4 * a * w1 * w2 - 2 * b, 2 * a * w1**2]])
    assert (d.hessian() - expected).applyfunc(sp.expand).is_zero_matrix
    assert (d.gradient() - sp.Matrix([2 * a * w1 * w2**2 - 2 * b * w2, 2 * a * w1**2 * w2 - 2 * b * w1])).applyfunc(sp.expand).is_zero_matrix


def test_one_neuron_relu_by_hand():
    x, y = sp.Rational(3, 2), sp.Rational(1, 3)
    d = derive(ReluOneHidden(1), Points([[x]], [y]), pattern=[[1]])
    w1, b1, w2, b2 = d.params.vector
    f = w2 * (x * w1 + b1) + b2
    g = sp.Matrix([x * w2, w2, x * w1 + b1, 1])
    second = sp.zeros(4, 4)
    second[0, 2] = second[2, 0] = x
    second[1, 2] = second[2, 1] = 1
    expected = g * g.T + (f - y) * second  # loss (f - y)^2 / 2 with n = 1
    assert (d.hessian() - expected).applyfunc(sp.expand).is_zero_matrix
    inactive = derive(ReluOneHidden(1), Points([[x]], [y]), pattern=[[0]])
    assert sp.expand(inactive.loss - (b2 - y) ** 2 / 2) == 0


def test_vec_layout_is_column_major_layer_by_layer():
    p = Parameters.of(DeepLinear([2, 3, 1]))
    names = [s.name for s in p.vector]
    assert names[:6] == ["W1_11", "W1_21", "W1_31", "W1_12", "W1_22", "W1_32"]
    assert names[6:] == ["W2_11", "W2_12", "W2_13"]
    M = sp.Matrix([[1, 2], [3, 4]])
    assert vec(M) == [1, 3, 2, 4]
    blocks = p.values_to_blocks(list(range(9)))
    assert blocks["W1"] == sp.Matrix([[0, 3], [1, 4], [2, 5]])
    assert p.to_vec(blocks) == list(range(9))


def _cases(rng):
    r = lambda rows, cols: random_matrix(rng, rows, cols, low=-3, high=3, den=2)  # noqa: E731
    X2, X1 = r(4, 2), r(4, 1)
    return [
        ("deep-linear", DeepLinear([2, 3, 2]), Moments(sp.Matrix([[2, 1], [1, 3]]), r(2, 2), sp.eye(2)), {}),
        ("scalar-chain", ScalarChain(3), Moments([[2]], [[3]], [[5]]), {}),
        ("linear-output", LinearWithOutput([2, 2, 2], output=(1, -2)), Points(X2, r(4, 1)), {}),
        ("residual", LinearWithOutput([2, 2, 2], output=(1, 1), residual=True), Points(X2, r(4, 1)),
         {"noise": [r(2, 2), r(2, 2)], "scale": 1}),
        ("relu-1d", ReluOneHidden(2), Points(X1, r(4, 1)), {}),
        ("deep-relu", DeepNetwork([2, 3, 1]), Points(X2, r(4, 1)), {}),
        ("leaky-half-square", DeepNetwork([2, 2, 2], activation="leaky_relu", negative_slope=0.25, loss="half_square"),
         Points(X2, r(4, 2)), {}),
        ("linear-logistic", DeepNetwork([2, 2, 1], activation="linear", loss="logistic"), Points(X2, [1, -1, 1, -1]), {}),
    ]


@pytest.mark.parametrize("index", range(8))
def test_hessian_matches_finite_differences(index):
    rng = np.random.default_rng(index)
    name, model, data, kw = _cases(rng)[index]
    d = derive(model, data, **kw)
    loss, hess = d.lambdify("loss"), d.lambdify("hessian")
    for _ in range(2):
        theta = rng.uniform(-1, 1, model.num_params)
        H = hess(theta)
        assert np.allclose(H, H.T)
        assert np.allclose(H, fd_hessian(loss, theta), atol=1e-5 * max(1.0, np.abs(H).max())), name


def test_gradient_matches_finite_differences_and_mpmath_backend():
    rng = np.random.default_rng(3)
    model = DeepLinear([2, 2, 2])
    d = derive(model, Moments(sp.eye(2), random_matrix(rng, 2, 2)))
    f, g = d.lambdify("loss"), d.lambdify("gradient")
    theta = rng.uniform(-1, 1, model.num_params)
    fd = np.array([(f(theta + e * 1e-6) - f(theta - e * 1e-6)) / 2e-6 for e in np.eye(len(theta))])
    assert np.allclose(g(theta), fd, atol=1e-6)
    point = [random_rational(rng) for _ in range(model.num_params)]
    exact = d.at(point, "loss")
    with mpmath.workdps(50):
        value = d.lambdify("loss", backend="mpmath")([mpmath.mpf(p.p) / p.q for p in point])
        assert abs(value - mpmath.mpf(exact.p) / exact.q) < mpmath.mpf(10) ** -45


def test_symbolic_data_and_constants():
    model = DeepLinear([2, 2])
    d = derive(model, symbolic_moments(2, 2))
    H = d.hessian()
    sx = d.data.sigma_x
    assert H[:2, :2] == 2 * sx[0, 0] * sp.eye(2)  # d^2/dW_1j^2 of tr(W Sx W^T)
    with pytest.raises(SymbolicError, match="no values"):
        d.lambdify("hessian")
    f = d.lambdify("hessian", constants={s: 1 for s in d.free_symbols("hessian")})
    assert f(np.zeros(4)).shape == (4, 4)


def test_float_data_is_read_as_the_decimal_it_prints_as():
    d = derive(ScalarChain(1), Moments([[0.1]], [[0.3]], [[1]]))
    (w,) = d.params.vector
    assert sp.expand(d.loss - (1 - sp.Rational(3, 5) * w + sp.Rational(1, 10) * w**2)) == 0


def test_latex_of_derived_objects():
    d = derive(ScalarChain(2), Moments([[1]], [[2]]))
    assert "w_{1}" in d.latex("loss") and r"\begin{matrix}" in d.latex("hessian")
    deep = derive(DeepLinear([2, 2, 1]), Moments(sp.eye(2), [[1, 2]]))
    assert "W^{(2)}_{1,2}" in deep.latex("gradient") and "W^{(1)}_{2,1}" in deep.latex("hessian")


def test_activation_pattern_at_point():
    model = ReluOneHidden(2)
    data = Points([[-1], [2]], [0, 1])
    # neurons z1 = x and z2 = -x + 1 at x = -1 and x = 2
    assert activation_pattern(model, data, [1, -1, 0, 1, 1, 1, 0]) == [[0, 1], [1, 0]]
    net = DeepNetwork([1, 2, 1])
    assert activation_pattern(net, Points([[1], [-1]], [0, 0]), [1, -1, 1, 1]) == [[[1, 0]], [[0, 1]]]


def test_piecewise_hessian_is_taken_on_the_smooth_piece_and_undefined_on_kinks():
    model = DeepNetwork([1, 2, 1], activation="leaky_relu", negative_slope=0.5)
    data = Points([[1], [-2]], [1, 0])
    d = derive(model, data)
    point = [1, -1, 2, 3]  # pre-activations (1, -1) at x = 1 and (-2, 2) at x = -2
    piece = derive(model, data, pattern=activation_pattern(model, data, point))
    assert d.at(point) == piece.at(point) and d.at(point, "loss") == piece.at(point, "loss")
    with pytest.raises(SymbolicError, match="unit 1 of layer 1 has its kink on training example 1"):
        d.at([0, 1, 2, 3])
    assert derive(DeepNetwork([1, 2, 1], activation="linear"), data).at([0, 1, 2, 3]).shape == (4, 4)


@pytest.mark.parametrize("make, message", [
    (lambda: derive(DeepLinear([2, 3]), Moments(sp.eye(3), sp.ones(3, 3))), "Sigma_x has shape"),
    (lambda: derive(DeepLinear([2, 3]), Moments(sp.eye(2), sp.ones(2, 2))), "Sigma_yx has shape"),
    (lambda: Moments([[1, 2, 3], [4, 5, 6]], [[1, 2]]), "square"),
    (lambda: derive(ReluOneHidden(2), Moments([[1]], [[1]])), "points"),
    (lambda: derive(ReluOneHidden(2), Points([[1], [2]], [1, 2]), pattern=[[1, 0]]), "pattern"),
    (lambda: derive(DeepNetwork([2, 2, 1]), Points([[1, 2, 3]], [1])), "columns"),
    (lambda: DeepNetwork([2, 2, 1], activation="tanh"), "unknown activation"),
    (lambda: derive(ScalarChain(2), Moments([[1]], [[1]])).at([1, 2, 3]), "3 entries"),
    (lambda: derive(ScalarChain(2), Moments([[1.5]], [[float("nan")]])), "non-finite"),
    (lambda: derive(ScalarChain(2), Moments([[1]], [[1]])).lambdify("loss", backend="jax"), "backend"),
    (lambda: derive(LinearWithOutput([2, 2, 2], residual=True), Points([[1, 2]], [1]), noise=[sp.eye(2)]), "N_1..N_L"),
])
def test_bad_input_raises_clear_value_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
    assert issubclass(SymbolicError, ModelError)
