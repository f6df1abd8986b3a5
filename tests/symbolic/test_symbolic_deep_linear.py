"""Deep linear networks: the structured Hessian against symbolic differentiation, the Phi
factorisation H = 2 Phi Phi^T at global minima (Mulayoff & Michaeli 2020, Lemma 3, eq. 15-16),
and the balanced construction of eq. 27 with its sharpness (eq. 28) and eigenvector (Thm. 1)."""

import numpy as np
import pytest
import sympy as sp

from symflat.models import DeepLinear, LinearWithOutput, Moments, Points, ScalarChain
from symflat.symbolic import (
    NotAMinimumError,
    SymbolicError,
    balanced_minimum,
    balanced_sharpness,
    check_minimum,
    derive,
    exact_svd,
    factorisation_identity,
    hessian_at_minimum,
    minimum_eigenpairs,
    minimum_spectrum,
    phi_blocks,
    prove_equal,
    random_matrix,
    random_minimum,
    random_rational,
    rational_orthogonal,
    sqrt_psd,
    structured_hessian,
    top_eigenvector,
)


def _data(rng, dims, diagonal=False):
    """Rational moments with a rational symmetric root: Sigma_x = Q diag(r^2) Q^T."""
    dx, dy = dims[0], dims[-1]
    Q = sp.eye(dx) if diagonal else rational_orthogonal(rng, dx)
    r = sp.diag(*[sp.Rational(int(rng.integers(1, 4)), int(rng.integers(1, 3))) for _ in range(dx)])
    return Moments(Q * r**2 * Q.T, random_matrix(rng, dy, dx)), Q * r * Q.T


@pytest.mark.parametrize("dims", [[2, 3, 2], [3, 2, 1], [1, 2, 3, 1], [2, 2, 2, 2]])
def test_structured_hessian_equals_differentiation_anywhere(dims):
    rng = np.random.default_rng(len(dims) * 10 + dims[0])
    model = DeepLinear(dims)
    data, _ = _data(rng, dims)
    point = [random_rational(rng) for _ in range(model.num_params)]
    assert (structured_hessian(model, data, point) - derive(model, data).at(point)).is_zero_matrix


def test_structured_hessian_with_output_vector():
    rng = np.random.default_rng(5)
    model = LinearWithOutput([2, 3, 2], output=(1, -3))
    data = Points(random_matrix(rng, 4, 2), random_matrix(rng, 4, 1))
    point = [random_rational(rng) for _ in range(model.num_params)]
    assert (structured_hessian(model, data, point) - derive(model, data).at(point)).is_zero_matrix


@pytest.mark.parametrize("dims", [[1, 1, 1, 1, 1], [2, 2, 2], [2, 3, 2, 2], [3, 3, 3], [2, 2, 2, 2, 2], [3, 3, 3, 3], [1, 3, 3, 2]])
def test_phi_factorisation_at_random_rational_minima(dims):
    """Lemma 3 exactly: the Hessian obtained by differentiating the loss equals 2 Phi Phi^T."""
    rng = np.random.default_rng(sum(dims))
    model = DeepLinear(dims)
    data, root = _data(rng, dims)
    for _ in range(2):
        Ws = random_minimum(model, data, rng)
        check_minimum(model, data, Ws)
        H = derive(model, data).at(Ws)
        factored = hessian_at_minimum(model, data, Ws, root=root)
        assert (H - factored).is_zero_matrix
        blocks = phi_blocks(model, data, Ws, root=root)
        assert [b.shape for b in blocks] == [(dims[k + 1] * dims[k], dims[0] * dims[-1]) for k in range(model.depth)]


def test_phi_factorisation_at_the_largest_size_d3_m4():
    rng = np.random.default_rng(33)
    model = DeepLinear([3, 3, 3, 3, 3])
    data, root = _data(rng, model.dims)
    result = factorisation_identity(model, data, random_minimum(model, data, rng), root=root)
    assert result.proved and result.entries == 36 * 36


def test_phi_factorisation_with_symbolic_root_and_diagonal_data():
    rng = np.random.default_rng(11)
    model = DeepLinear([2, 2, 2])
    data = Moments(sp.diag(2, 3), random_matrix(rng, 2, 2))  # irrational root sqrt(2), sqrt(3)
    Ws = random_minimum(model, data, rng)
    assert prove_equal(derive(model, data).at(Ws), hessian_at_minimum(model, data, Ws)).proved


def test_phi_factorisation_at_a_symbolic_point_of_the_minimum_set():
    """Symbolic T, symbolic W_2 and W_1 = W_2^{-1} T: a whole two-parameter family of Omega."""
    T = sp.Matrix(2, 2, sp.symbols("t1:5", real=True))
    W2 = sp.Matrix(2, 2, sp.symbols("a1:5", real=True))
    model = DeepLinear([2, 2, 2])
    data = Moments(sp.eye(2), T)
    Ws = [W2.inv() * T, W2]
    result = prove_equal(derive(model, data).at(Ws), hessian_at_minimum(model, data, Ws), max_ops=5000)
    assert result.proved and result.method == "cancel"


def test_not_a_minimum_is_rejected():
    model = DeepLinear([2, 2, 2])
    data = Moments(sp.eye(2), sp.Matrix([[1, 2], [3, 4]]))
    with pytest.raises(NotAMinimumError, match="not a global minimum"):
        hessian_at_minimum(model, data, [sp.eye(2), sp.eye(2)])
    with pytest.raises(SymbolicError, match="capacity"):
        random_minimum(DeepLinear([3, 2, 3]), Moments(sp.eye(3), sp.ones(3, 3)), np.random.default_rng(0))
    with pytest.raises(SymbolicError, match="singular"):
        random_minimum(model, Moments(sp.zeros(2, 2), sp.ones(2, 2)), np.random.default_rng(0))


@pytest.mark.parametrize("dims", [[2, 2, 2, 2], [2, 3, 3, 2], [3, 3, 3], [2, 2, 2, 3]])
def test_balanced_construction_sharpness_and_eigenvector(dims):
    """Eq. 27 with an exact rational SVD: lambda_max = 2 m sigma_max^{2(1-1/m)} (eq. 28) with
    eigenvector Phi (v kron u) (Theorem 1), and it is the largest eigenvalue of the Hessian."""
    rng = np.random.default_rng(sum(dims) + 1)
    model = DeepLinear(dims)
    dx, dy, m = dims[0], dims[-1], model.depth
    U, V = rational_orthogonal(rng, dy), rational_orthogonal(rng, dx)
    s = [sp.Integer(v) ** m for v in (3, 2, 1)[: min(dx, dy)]]
    S = sp.zeros(dy, dx)
    for k, v in enumerate(s):
        S[k, k] = v
    T = U * S * V.T
    data = Moments(sp.eye(dx), T)
    Ws = balanced_minimum(model, T, (U, s, V))
    check_minimum(model, data, Ws)
    H = structured_hessian(model, data, Ws)
    lam = balanced_sharpness(m, s[0])
    assert lam == 2 * m * 3 ** (2 * m - 2)
    b = top_eigenvector(model, data, Ws, U[:, 0], V[:, 0])
    assert (H * b - lam * b).is_zero_matrix and not b.is_zero_matrix
    spectrum = minimum_spectrum(model, data, Ws)
    assert max(spectrum) == lam and spectrum[lam] == 1
    assert sum(spectrum.values()) == model.num_params
    pairs = minimum_eigenpairs(model, data, Ws)
    assert sorted((v, k) for v, k, _ in pairs) == sorted((v, k) for v, k in spectrum.items() if v != 0)
    for value, _, vectors in pairs:
        for vec in vectors:
            assert (H * vec - value * vec).is_zero_matrix and not vec.is_zero_matrix


def test_balanced_construction_from_exact_svd_with_radicals():
    T = sp.Matrix([[2, 1], [1, 2]])
    U, s, V = exact_svd(T)
    assert s == [3, 1]
    Ws = balanced_minimum(DeepLinear([2, 2, 2]), T)
    assert (Ws[1] * Ws[0] - T).applyfunc(sp.simplify).is_zero_matrix
    assert balanced_minimum(ScalarChain(3), sp.Matrix([[8]]))[0] == sp.Matrix([[2]])
    with pytest.raises(SymbolicError, match="does not equal T"):
        balanced_minimum(DeepLinear([2, 2, 2]), T, (sp.eye(2), [3, 1], sp.eye(2)))


def test_structured_hessian_residual_parametrisation():
    """Marion & Chizat Sec. 5: the theta-Hessian equals derive() on W_k = I + s/sqrt(Ld) N_k + theta_k/L."""
    rng = np.random.default_rng(8)
    model = LinearWithOutput([2, 2, 2], output=(1, 2), residual=True)
    data = Points(random_matrix(rng, 3, 2), random_matrix(rng, 3, 1))
    noise = [random_matrix(rng, 2, 2) for _ in range(2)]
    point = [random_rational(rng) for _ in range(model.num_params)]
    H = structured_hessian(model, data, point, noise=noise, scale=3)  # s / sqrt(L d) = 3 / 2
    assert (H - derive(model, data, noise=noise, scale=3).at(point)).is_zero_matrix
    H_sym = structured_hessian(model, data, point, noise=noise)  # symbolic scale s
    assert prove_equal(H_sym, derive(model, data, noise=noise).at(point)).holds
    with pytest.raises(SymbolicError, match="plain weights"):
        hessian_at_minimum(model, data, point)


def test_factorisation_identity_is_certified_at_its_shape():
    rng = np.random.default_rng(12)
    model = DeepLinear([2, 3, 2])
    data, root = _data(rng, [2, 3, 2])
    Ws = random_minimum(model, data, rng)
    ev = factorisation_identity(model, data, Ws, root=root).evidence("H = 2 Phi Phi^T")
    assert ev.status.value == "certified" and ev.instances == 1 and ev.data["entries"] == model.num_params**2
    off = [W + sp.eye(*W.shape) if k == 0 else W for k, W in enumerate(Ws)]
    with pytest.raises(NotAMinimumError):
        factorisation_identity(model, data, off, root=root)


@pytest.mark.parametrize("T", [sp.Matrix([[1, 2, 2]]), sp.Matrix([[1, 1], [1, 1]]), sp.Matrix([[1, 0], [0, 2], [0, 0]])])
def test_exact_svd_of_rank_deficient_and_rectangular_maps(T):
    U, s, V = exact_svd(T)
    S = sp.zeros(*T.shape)
    for k, v in enumerate(s):
        S[k, k] = v
    assert (U * S * V.T - T).applyfunc(sp.simplify).is_zero_matrix
    for Q in (U, V):
        assert (Q.T * Q - sp.eye(Q.shape[0])).applyfunc(sp.simplify).is_zero_matrix


def test_symmetric_root_with_a_repeated_eigenvalue():
    S = sp.Matrix([[2, 1, 1], [1, 2, 1], [1, 1, 2]])  # eigenvalues 4, 1, 1
    R = sqrt_psd(S)
    assert R == R.T and (R * R - S).applyfunc(sp.simplify).is_zero_matrix
    with pytest.raises(SymbolicError, match="not positive semidefinite"):
        sqrt_psd(sp.Matrix([[1, 2], [2, 1]]))


def test_default_root_of_a_dense_sigma_with_an_irreducible_cubic_spectrum():
    """Sigma_x whose eigenvalues need casus-irreducibilis radicals: the Hessian at a minimum
    still factorises exactly as 2 Phi Phi^T (eq. 15), through a Cholesky root of Sigma_x."""
    import sympy as sp

    from symflat.models import DeepLinear, Moments
    from symflat.symbolic.deep_linear import gram_root, phi_matrix, structured_hessian

    S = sp.Matrix([[15, -12, -1], [-12, 28, -12], [-1, -12, 11]])
    R = gram_root(S)
    assert (R * R.T - S).applyfunc(sp.simplify) == sp.zeros(3, 3)
    model = DeepLinear([3, 1])
    A = sp.Matrix([[1, 2, -1]])
    data = Moments(S, A * S)
    H = structured_hessian(model, data, list(A.T))
    Phi = phi_matrix(model, data, list(A.T))
    assert (H - 2 * Phi * Phi.T).applyfunc(sp.simplify) == sp.zeros(3, 3)
    assert H == 2 * S  # one layer: the loss is a quadratic with Hessian 2 Sigma_x
