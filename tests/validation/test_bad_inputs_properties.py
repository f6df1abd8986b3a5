"""Property-based bad inputs (Hypothesis): whatever is wrong with an argument, a public function
raises a symflat error, never a library's exception, an AttributeError/IndexError, or nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symflat.errors import SymflatError
from symflat.models import DeepLinear, Moments, Points, ScalarChain
from symflat.numeric import problems, sharpness
from symflat.numeric.dynamics import gradient_descent, gradient_flow
from symflat.precision import Inequality
from symflat.precision.domains import Scalar
from symflat.precision.errors import DomainError

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MODEL = DeepLinear((2, 2, 1))
DATA = problems.synthetic_regression(10, 2, 1, seed=0)
W = problems.random_weights(MODEL, 0.5, seed=1)  # 6 parameters

NOT_A_NUMBER = st.one_of(st.none(), st.text(max_size=3), st.lists(st.integers(), max_size=2), st.just(object()))
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
COMPLEX = st.complex_numbers(allow_nan=False, allow_infinity=False).filter(lambda z: z.imag != 0)
BAD_ENTRY = st.one_of(NON_FINITE, COMPLEX, st.text(min_size=1, max_size=2), st.none())
BAD_WIDTH = st.one_of(st.integers(max_value=0), st.floats(allow_nan=True).filter(lambda x: not float(x).is_integer()),
                      st.booleans(), NOT_A_NUMBER)
NEGATIVE = st.one_of(st.floats(max_value=-1e-300, allow_infinity=True), st.integers(max_value=-1))
NOT_POSITIVE_INT = st.one_of(st.integers(max_value=0), st.floats(min_value=0.1, max_value=1e6).filter(lambda x: not x.is_integer()),
                             st.booleans(), NOT_A_NUMBER, NON_FINITE)


def _raises_symflat(call) -> SymflatError:
    """The call must raise a SymflatError; any other exception (or none) fails the property."""
    try:
        call()
    except SymflatError as e:
        assert str(e), "a symflat error needs a message"
        return e
    except Exception as e:  # noqa: BLE001 - the property is that nothing else escapes
        pytest.fail(f"{type(e).__name__} escaped instead of a SymflatError: {e}")
    pytest.fail("bad input was accepted silently")


@SETTINGS
@given(dims=st.lists(st.integers(1, 4), min_size=2, max_size=4), bad=BAD_WIDTH, where=st.integers(0, 3))
def test_deep_linear_refuses_every_bad_width(dims, bad, where):
    dims[where % len(dims)] = bad
    e = _raises_symflat(lambda: DeepLinear(dims))
    assert "dims" in str(e)


@SETTINGS
@given(bad=BAD_ENTRY, i=st.integers(0, 1), j=st.integers(0, 1), which=st.sampled_from(["sigma_x", "sigma_yx"]))
def test_moments_refuse_every_bad_entry(bad, i, j, which):
    sx, syx = [[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [3.0, 4.0]]
    target = sx if which == "sigma_x" else syx
    target[i][j] = bad
    e = _raises_symflat(lambda: Moments(sx, syx))
    assert ("Sigma_x" if which == "sigma_x" else "Sigma_yx") in str(e)


@SETTINGS
@given(bad=BAD_ENTRY, row=st.integers(0, 9), as_array=st.booleans())
def test_points_refuse_every_bad_entry(bad, row, as_array):
    X = np.asarray(DATA.X).tolist()
    X[row][0] = bad
    if as_array and not isinstance(bad, (str, type(None))):
        X = np.array(X, dtype=complex if isinstance(bad, complex) else float)
    e = _raises_symflat(lambda: Points(X, DATA.Y))
    assert "X" in str(e)


@SETTINGS
@given(kind=st.sampled_from(["nan", "complex", "length", "text"]), pos=st.integers(0, 5), size=st.integers(0, 12))
def test_sharpness_and_descent_refuse_every_bad_weight_vector(kind, pos, size):
    w = W.astype(complex if kind == "complex" else float).copy()
    if kind == "nan":
        w[pos] = np.nan
    elif kind == "complex":
        w[pos] += 1j
    elif kind == "length":
        w = np.zeros(size if size != 6 else 7)
    else:
        w = ["x"] * 6
    for call in (lambda: sharpness(MODEL, w, DATA), lambda: gradient_descent(MODEL, w, DATA, 0.1, 2),
                 lambda: gradient_flow(MODEL, w, DATA, 0.5)):
        assert "w" in str(_raises_symflat(call))


@SETTINGS
@given(option=st.sampled_from(["tol", "maxiter", "seed", "minimum_tol"]), bad=st.one_of(NEGATIVE, NON_FINITE, NOT_A_NUMBER))
def test_sharpness_refuses_every_bad_option(option, bad):
    if option == "tol" and bad is None:  # tol=None means "the dtype's default"
        bad = -1.0
    if option == "maxiter" and isinstance(bad, (int, float)) and not isinstance(bad, bool) and bad == math.inf:
        bad = -math.inf
    e = _raises_symflat(lambda: sharpness(MODEL, W, DATA, **{option: bad}))
    assert option in str(e)


@SETTINGS
@given(lr=st.one_of(NEGATIVE, st.just(0.0), NON_FINITE, NOT_A_NUMBER, st.booleans()), steps=st.integers(0, 3))
def test_gradient_descent_refuses_every_bad_step_size(lr, steps):
    e = _raises_symflat(lambda: gradient_descent(ScalarChain(2), [1.0, 1.0], Moments([[1.0]], [[2.0]]), lr, steps))
    assert "lr" in str(e)


@SETTINGS
@given(steps=NOT_POSITIVE_INT.filter(lambda s: not (isinstance(s, int) and not isinstance(s, bool) and s == 0)))
def test_gradient_descent_refuses_every_bad_step_count(steps):
    e = _raises_symflat(lambda: gradient_descent(ScalarChain(2), [1.0, 1.0], Moments([[1.0]], [[2.0]]), 0.1, steps))
    assert "steps" in str(e)


@SETTINGS
@given(x=st.one_of(st.floats(max_value=-1e-12), st.floats(min_value=1 + 1e-9), st.fractions(max_value=-1),
                   st.fractions(min_value=2)).filter(lambda v: not (isinstance(v, float) and math.isnan(v))))
def test_inequality_outside_its_domain_is_an_error_not_a_violation(x):
    ineq = Inequality(lambda v, o: v["x"] ** 2, lambda v, o: v["x"], "<=", variables=[Scalar("x", 0, 1)], name="sq")
    with pytest.raises(DomainError, match="'x'"):
        ineq.evaluate({"x": x})


@SETTINGS
@given(n=NOT_POSITIVE_INT, d_x=st.integers(1, 3))
def test_synthetic_regression_refuses_every_bad_sample_count(n, d_x):
    e = _raises_symflat(lambda: problems.synthetic_regression(n, d_x))
    assert "n " in str(e) or str(e).startswith("n ")


@SETTINGS
@given(seed=st.integers(max_value=-1), budget=st.one_of(st.floats(max_value=0.0), st.sampled_from(["nan", "inf", "-inf"])),
       limit=st.integers(max_value=-1))
def test_the_command_line_refuses_every_bad_number(seed, budget, limit):
    import contextlib
    import io

    from symflat.cli import build_parser

    # "--budget=-1e+16": argparse reads a bare "-1e+16" as an option, not a value
    for argv, option in ((["check", f"--seed={seed}"], "--seed"), (["check", f"--budget={budget}"], "--budget"),
                         (["history", f"--limit={limit}"], "--limit")):
        err = io.StringIO()
        with pytest.raises(SystemExit) as info, contextlib.redirect_stderr(err):
            build_parser(argv[0]).parse_args(argv)
        assert info.value.code == 2
        assert f"{option} must be" in err.getvalue()


@SETTINGS
@given(entries=st.lists(st.floats(-10, 10), min_size=4, max_size=4), v=st.lists(st.floats(-10, 10), min_size=3, max_size=3))
def test_matrix_and_vector_values_outside_their_kind_are_domain_errors(entries, v):
    """A symmetric matrix with a negative eigenvalue is not in a ``psd`` domain; a vector whose
    norm is not 1 is not in a ``unit`` domain (both decided here independently with numpy)."""
    from symflat.precision.domains import Matrix, Vector

    ineq = Inequality(lambda x, o: 0, lambda x, o: 1, "<=", variables=[Matrix("S", (2, 2), "psd"), Vector("u", 3, "unit")])
    S = np.array(entries).reshape(2, 2)
    S = (S + S.T) / 2
    u = np.array(v)
    psd = np.linalg.eigvalsh(S)[0] >= -1e-9 * max(1.0, np.abs(S).max())
    unit = abs(np.linalg.norm(u) - 1) <= 1e-9
    point = {"S": S, "u": u}
    if psd and unit:
        assert ineq.evaluate(point, 30).verdict == "holds"
    else:
        with pytest.raises(DomainError, match="'S'" if not psd else "'u'"):
            ineq.evaluate(point, 30)


@SETTINGS
@given(option=st.sampled_from(["rtol", "atol", "blowup"]), bad=st.one_of(NEGATIVE, st.just(0.0), NON_FINITE, NOT_A_NUMBER))
def test_gradient_flow_refuses_every_bad_option(option, bad):
    e = _raises_symflat(lambda: gradient_flow(ScalarChain(2), [1.0, 1.0], Moments([[1.0]], [[2.0]]), 1.0, **{option: bad}))
    assert option in str(e)
