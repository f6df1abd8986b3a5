"""Property tests (hypothesis): the structured deep-linear Hessian against differentiation on
random shapes and rational points, and the identity prover on random polynomial identities."""

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symflat.models import DeepLinear, Moments
from symflat.symbolic import derive, prove_equal, structured_hessian

rationals = st.fractions(min_value=-5, max_value=5, max_denominator=6)


@settings(max_examples=12, deadline=None)
@given(dims=st.lists(st.integers(1, 3), min_size=2, max_size=4), data=st.data())
def test_structured_hessian_matches_differentiation(dims, data):
    model = DeepLinear(dims)
    dx, dy = dims[0], dims[-1]
    A = sp.Matrix(dx, dx, data.draw(st.lists(rationals, min_size=dx * dx, max_size=dx * dx)))
    syx = sp.Matrix(dy, dx, data.draw(st.lists(rationals, min_size=dx * dy, max_size=dx * dy)))
    moments = Moments(A * A.T, syx)
    point = data.draw(st.lists(rationals, min_size=model.num_params, max_size=model.num_params))
    assert (structured_hessian(model, moments, point) - derive(model, moments).at(point)).is_zero_matrix


x, y, z = sp.symbols("x y z", real=True)
monomials = st.tuples(st.integers(-4, 4), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3))


@settings(max_examples=15, deadline=None)
@given(terms=st.lists(monomials, min_size=1, max_size=5), k=st.integers(1, 4),
       bump=st.fractions(min_value=-1, max_value=1).filter(lambda f: f != 0))
def test_prover_on_random_polynomial_identities(terms, k, bump):
    p = sum((c * x**a * y**b * z**e for c, a, b, e in terms), sp.Integer(0))
    lhs = p**k
    rhs = sp.expand(lhs)
    for max_ops in (400, 0):
        assert prove_equal(lhs, rhs, max_ops=max_ops).holds
        planted = prove_equal(lhs, rhs + sp.Rational(bump.numerator, bump.denominator) * x * y, max_ops=max_ops)
        assert not planted.holds
