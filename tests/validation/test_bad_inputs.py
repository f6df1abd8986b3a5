"""Every bad input to a public entry point ends in a named symflat error (issue 17, part 1).

One test per case. Each asserts the error is a :class:`symflat.errors.SymflatError` of the
expected engine class and that its message names the argument at fault, so neither a library's
message from deep inside (numpy's "expected non-negative integer", an AttributeError) nor silence
(a truncated 2.5, a dropped imaginary part, a NaN run) can pass. Cases marked "issue" are the ones
the issue lists; the rest are ours.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from symflat import Paper
from symflat.errors import SymflatError
from symflat.models import DeepLinear, DeepNetwork, LinearWithOutput, ModelError, Moments, Points, ReluOneHidden, ScalarChain
from symflat.numeric import (NumericError, directional_curvature, gram_operator, hessian, hessian_trace, objective,
                             problems, sharpness)
from symflat.numeric.backend import BackendError
from symflat.numeric.dynamics import balancedness, gd_vs_gf, gradient_descent, gradient_flow, sgd
from symflat.numeric.errors import DivergenceError, NotAMinimum
from symflat.numeric.experiments import run_sweep
from symflat.precision import Inequality
from symflat.precision.certify import certify
from symflat.precision.domains import Matrix, Scalar, Vector
from symflat.precision.errors import DomainError, InequalityError, PrecisionError
from symflat.precision.inequality import Point
from symflat.search.checks import search_check
from symflat.symbolic import derive, kkt_points, random_minimum, vec
from symflat.symbolic.errors import SymbolicError
from symflat.search.optimize import search
from symflat.testing import assert_bound

MODEL = DeepLinear((2, 3, 1))
DATA = problems.synthetic_regression(12, 2, 1, seed=0)
W = problems.random_weights(MODEL, 0.5, seed=1)  # 9 parameters: auto picks the dense method
CHAIN = ScalarChain(2)
SCALAR_DATA = Moments([[1.0]], [[2.0]])


def _ineq():
    """x^2 <= x on [0, 1], with a unit vector u and a PSD matrix S beside it (to test domains)."""
    return Inequality(lambda x, o: x["x"] ** 2, lambda x, o: x["x"], "<=",
                      variables=[Scalar("x", 0, 1), Vector("u", 2, "unit"), Matrix("S", (2, 2), "psd"),
                                 Matrix("Q", (2, 2), "rotation")], name="square-below")


GOOD = {"x": Fraction(1, 2), "u": [1, 0], "S": [[2, 0], [0, 1]], "Q": [[0, -1], [1, 0]]}


def _at(**changes):
    return {**GOOD, **changes}


def _claim_without_inequality():
    return Paper("validation-toy").lemma("plain", r"a statement with no inequality attached")


CASES = [
    # --- the list --------------------------------------------------------------------------
    ("issue-deeplinear-fractional-width", lambda: DeepLinear([2.5, 3, 1]), ModelError, r"dims\[0\].*2\.5"),
    ("issue-minimum-singular-sigma-x", lambda: problems.deep_linear_minimum(
        DeepLinear((2, 3, 2)), Moments([[1, 0], [0, 0]], [[1, 2], [3, 4]])), NotAMinimum, r"Sigma_yx.*range of Sigma_x"),
    ("issue-complex-weights", lambda: sharpness(MODEL, W + 1j, DATA), NumericError, r"weights.*complex"),
    ("issue-complex-gd-start", lambda: gradient_descent(MODEL, W + 1j, DATA, 0.1, 3), NumericError, r"w0.*complex"),
    ("issue-gd-from-nan", lambda: gradient_descent(MODEL, np.full(9, np.nan), DATA, 0.1, 3), NumericError, r"w0.*NaN"),
    ("issue-tol-negative-auto-dense", lambda: sharpness(MODEL, W, DATA, tol=-1.0), NumericError, r"tol.*-1"),
    ("issue-maxiter-zero-auto-dense", lambda: sharpness(MODEL, W, DATA, maxiter=0), NumericError, r"maxiter.*0"),
    ("issue-evaluate-outside-domain", lambda: _ineq().evaluate(_at(x=3)), DomainError, r"'x' = 3.*outside"),
    ("issue-assert-bound-outside-domain", lambda: assert_bound(_ineq(), instances=[_at(x=-1)], budget=0),
     DomainError, r"'x' = -1.*outside"),
    ("issue-search-claim-without-inequality", lambda: search(_claim_without_inequality(), budget=1),
     InequalityError, r"ineq.*no inequality"),
    ("issue-certify-claim-without-inequality", lambda: certify(_claim_without_inequality(), {}),
     InequalityError, r"ineq.*no inequality"),
    ("issue-search-check-none", lambda: search_check(None), InequalityError, r"ineq.*None"),
    # --- models ----------------------------------------------------------------------------------
    ("deeplinear-bool-width", lambda: DeepLinear([True, 2]), ModelError, r"dims\[0\].*True"),
    ("deeplinear-string", lambda: DeepLinear("23"), ModelError, r"dims.*'23'"),
    ("deeplinear-one-dimension", lambda: DeepLinear([2]), ModelError, r"dims.*at least 2"),
    ("deeplinear-zero-width", lambda: DeepLinear([2, 0, 1]), ModelError, r"dims\[1\].*0"),
    ("deeplinear-not-iterable", lambda: DeepLinear(5), ModelError, r"dims.*5"),
    ("scalarchain-bool-depth", lambda: ScalarChain(True), ModelError, r"depth.*True"),
    ("scalarchain-fractional-depth", lambda: ScalarChain(2.5), ModelError, r"depth.*2\.5"),
    ("relu-zero-width", lambda: ReluOneHidden(0), ModelError, r"width.*0"),
    ("network-slope-string", lambda: DeepNetwork((2, 1), "leaky_relu", negative_slope="x"), ModelError, r"negative_slope.*'x'"),
    ("network-slope-too-large", lambda: DeepNetwork((2, 1), "leaky_relu", negative_slope=1.5), ModelError, r"negative_slope.*1\.5"),
    ("network-unknown-activation", lambda: DeepNetwork((2, 1), "tanh"), ModelError, r"activation.*'tanh'"),
    ("network-unknown-loss", lambda: DeepNetwork((2, 1), loss="mse"), ModelError, r"loss.*'mse'"),
    ("output-not-a-vector", lambda: LinearWithOutput((2, 2), output=5), ModelError, r"output.*5"),
    ("output-nan", lambda: LinearWithOutput((2, 2), output=[1, math.nan]), ModelError, r"output.*nan"),
    ("output-wrong-length", lambda: LinearWithOutput((2, 2), output=[1, 2, 3]), ModelError, r"output.*length 3"),
    ("output-residual-not-bool", lambda: LinearWithOutput((2, 2), output=[1, 1], residual="yes"), ModelError, r"residual.*'yes'"),
    # --- data --------------------------------------------------------------------------------------
    ("moments-scalar-covariance", lambda: Moments(3, [[1]]), ModelError, r"Sigma_x.*1x1"),
    ("moments-nan", lambda: Moments([[1, 0], [0, math.nan]], [[1, 2]]), ModelError, r"Sigma_x.*finite"),
    ("moments-complex", lambda: Moments(np.eye(2) * 1j, [[1, 2]]), ModelError, r"Sigma_x.*complex"),
    ("moments-sympy-nan", lambda: Moments([[sp.nan]], [[1]]), ModelError, r"Sigma_x.*nan"),
    ("moments-sympy-imaginary", lambda: Moments([[1]], [[sp.I]]), ModelError, r"Sigma_yx.*I"),
    ("moments-none-entry", lambda: Moments([[1]], [[None]]), ModelError, r"Sigma_yx.*None"),
    ("points-string-entry", lambda: Points([[1], ["a"]], [1, 2]), ModelError, r"X.*'a'"),
    ("points-infinite-target", lambda: Points([[1.0], [2.0]], np.array([1.0, np.inf])), ModelError, r"Y.*finite"),
    ("points-row-mismatch", lambda: Points([[1], [2]], [1, 2, 3]), ModelError, r"X has 2 rows but Y has 3"),
    # --- numeric: sharpness and curvature ------------------------------------------------------------
    ("sharpness-weights-wrong-length", lambda: sharpness(MODEL, W[:4], DATA), NumericError, r"weights.*shape \(4,\)"),
    ("sharpness-weights-none", lambda: sharpness(MODEL, None, DATA), NumericError, r"weights"),
    ("sharpness-negative-seed", lambda: sharpness(MODEL, W, DATA, seed=-1), NumericError, r"seed.*-1"),
    ("sharpness-negative-minimum-tol", lambda: sharpness(MODEL, W, DATA, minimum_tol=-1e-3), NumericError, r"minimum_tol"),
    ("sharpness-unknown-method", lambda: sharpness(MODEL, W, DATA, method="fast"), NumericError, r"method 'fast'"),
    ("sharpness-unknown-which", lambda: sharpness(MODEL, W, DATA, which="top"), NumericError, r"which.*'top'"),
    ("sharpness-autodiff-not-bool", lambda: sharpness(MODEL, W, DATA, autodiff="yes"), NumericError, r"autodiff.*'yes'"),
    ("hessian-nan-weights", lambda: hessian(MODEL, np.full(9, np.nan), DATA), NumericError, r"weights.*NaN"),
    ("curvature-infinite-direction", lambda: directional_curvature(MODEL, W, DATA, np.full(9, np.inf)), NumericError, r"direction.*infinite"),
    ("curvature-complex-direction", lambda: directional_curvature(MODEL, W, DATA, W * 1j), NumericError, r"direction.*complex"),
    ("gram-operator-nan-weights", lambda: gram_operator(MODEL, np.full(9, np.nan), DATA), NumericError, r"weights.*NaN"),
    ("objective-data-list", lambda: objective(MODEL, [[1.0]]), NumericError, r"data.*list"),
    ("objective-unknown-backend", lambda: objective(MODEL, DATA, backend="cupy"), BackendError, r"backend 'cupy'"),
    # --- numeric: dynamics -------------------------------------------------------------------------
    ("gd-lr-bool", lambda: gradient_descent(CHAIN, [1.0, 1.0], SCALAR_DATA, True, 3), NumericError, r"lr.*True"),
    ("gd-lr-zero", lambda: gradient_descent(CHAIN, [1.0, 1.0], SCALAR_DATA, 0.0, 3), NumericError, r"lr.*0"),
    ("gd-fractional-steps", lambda: gradient_descent(CHAIN, [1.0, 1.0], SCALAR_DATA, 0.1, 2.5), NumericError, r"steps.*2\.5"),
    ("gd-negative-grad-tol", lambda: gradient_descent(CHAIN, [1.0, 1.0], SCALAR_DATA, 0.1, 3, grad_tol=-1.0), NumericError, r"grad_tol"),
    ("gd-divergence-below-one", lambda: gradient_descent(CHAIN, [1.0, 1.0], SCALAR_DATA, 0.1, 3, divergence=0.5), NumericError, r"divergence.*0\.5"),
    ("gd-record-every-zero", lambda: gradient_descent(CHAIN, [1.0, 1.0], SCALAR_DATA, 0.1, 3, record_every=0), NumericError, r"record_every.*0"),
    ("gd-negative-sharpness-every", lambda: gradient_descent(CHAIN, [1.0, 1.0], SCALAR_DATA, 0.1, 3, sharpness_every=-1), NumericError, r"sharpness_every"),
    ("sgd-fractional-batch", lambda: sgd(MODEL, W, DATA, 0.1, 3, 2.5), NumericError, r"batch_size.*2\.5"),
    ("sgd-negative-seed", lambda: sgd(MODEL, W, DATA, 0.1, 3, 4, seed=-1), NumericError, r"seed.*-1"),
    ("gf-time-as-text", lambda: gradient_flow(CHAIN, [1.0, 1.0], SCALAR_DATA, "1"), NumericError, r"t_final.*'1'"),
    ("gf-zero-rtol", lambda: gradient_flow(CHAIN, [1.0, 1.0], SCALAR_DATA, 1.0, rtol=0.0), NumericError, r"rtol"),
    ("gf-unknown-integrator", lambda: gradient_flow(CHAIN, [1.0, 1.0], SCALAR_DATA, 1.0, method="Euler"), NumericError, r"method.*'Euler'"),
    ("gf-too-few-digits", lambda: gradient_flow(CHAIN, [1.0, 1.0], SCALAR_DATA, 1.0, dps=3), NumericError, r"dps.*3"),
    ("gf-nan-in-t-eval", lambda: gradient_flow(CHAIN, [1.0, 1.0], SCALAR_DATA, 1.0, t_eval=[0.0, math.nan]), NumericError, r"t_eval"),
    ("gf-from-nan", lambda: gradient_flow(CHAIN, [math.nan, 1.0], SCALAR_DATA, 1.0), NumericError, r"w0.*NaN"),
    ("gd-vs-gf-zero-steps", lambda: gd_vs_gf(CHAIN, [1.0, 1.0], SCALAR_DATA, 0.1, 0), NumericError, r"steps.*0"),
    ("balancedness-short-vector", lambda: balancedness(MODEL, [1.0, 2.0]), NumericError, r"\bw\b.*shape \(2,\)"),
    ("balancedness-not-a-model", lambda: balancedness("model", W), NumericError, r"str"),
    ("trace-fractional-samples", lambda: hessian_trace(MODEL, W, DATA, samples=2.5), NumericError, r"samples.*2\.5"),
    ("trace-negative-seed", lambda: hessian_trace(MODEL, W, DATA, seed=-1), NumericError, r"seed.*-1"),
    ("require-ok-on-divergence", lambda: gradient_descent(CHAIN, [3.0, 3.0], SCALAR_DATA, 0.5, 100).require_ok(),
     DivergenceError, r"status 'diverged'"),
    # --- numeric: problems ----------------------------------------------------------------------------
    ("synthetic-fractional-n", lambda: problems.synthetic_regression(2.5, 2), NumericError, r"\bn\b.*2\.5"),
    ("synthetic-negative-noise", lambda: problems.synthetic_regression(5, 2, noise=-1.0), NumericError, r"noise.*-1"),
    ("synthetic-negative-seed", lambda: problems.synthetic_regression(5, 2, seed=-1), NumericError, r"seed.*-1"),
    ("random-weights-no-model", lambda: problems.random_weights(None), NumericError, r"model.*None"),
    ("random-weights-nan-scale", lambda: problems.random_weights(MODEL, math.nan), NumericError, r"scale.*nan"),
    ("minimum-nan-layer-scales", lambda: problems.deep_linear_minimum(MODEL, DATA, layer_scales=[1, math.nan]),
     NumericError, r"layer_scales"),
    ("minimum-wrong-model", lambda: problems.deep_linear_minimum(ReluOneHidden(2), DATA), NumericError, r"DeepLinear.*ReluOneHidden"),
    ("least-squares-no-data", lambda: problems.least_squares_map(None), NumericError, r"data.*NoneType"),
    ("near-saddle-zero-scale", lambda: problems.near_saddle(DeepLinear((2, 2, 2, 1)), DATA, scale=0.0), NumericError, r"scale.*0"),
    ("output-minimum-zero-output", lambda: problems.linear_with_output_minimum(
        LinearWithOutput((2, 2), output=(0, 0)), DATA), NumericError, r"output vector w is zero"),
    # --- precision -------------------------------------------------------------------------------------
    ("evaluate-too-few-digits", lambda: _ineq().evaluate(GOOD, 3), InequalityError, r"dps.*3"),
    ("evaluate-vector-not-unit", lambda: _ineq().evaluate(_at(u=[1, 1])), DomainError, r"'u'.*unit"),
    ("evaluate-matrix-not-psd", lambda: _ineq().evaluate(_at(S=[[1, 0], [0, -1]])), DomainError, r"'S'.*positive semidefinite"),
    ("evaluate-matrix-wrong-shape", lambda: _ineq().evaluate(_at(S=[[1, 0, 0]])), DomainError, r"'S'.*2x2"),
    ("evaluate-not-a-rotation", lambda: _ineq().evaluate(_at(Q=[[2, 0], [0, 1]])), DomainError, r"'Q'.*rotation"),
    ("evaluate-complex-value", lambda: _ineq().evaluate(_at(x=0.5j)), DomainError, r"'x'.*real"),
    ("evaluate-unknown-variable", lambda: _ineq().evaluate(_at(y=1)), InequalityError, r"\['y'\]"),
    ("point-negative-dimension", lambda: Inequality(lambda x, o: x["v"][0], lambda x, o: 1, variables=[Vector("v", "n")],
                                                    dims={"n": [1, 2]}).evaluate({"n": -1, "v": []}), DomainError, r"dimension 'n'.*-1"),
    ("inequality-fractional-dimension", lambda: Inequality(lambda x, o: 0, lambda x, o: 1, dims={"n": [2.5]}),
     InequalityError, r"dimension 'n'.*2\.5"),
    ("confirm-ladder-not-a-list", lambda: _ineq().confirm(GOOD, 30), InequalityError, r"ladder.*30"),
    ("assert-bound-nan-budget", lambda: assert_bound(_ineq(), budget=math.nan), InequalityError, r"budget.*nan"),
    ("assert-bound-negative-seed", lambda: assert_bound(_ineq(), budget=0, seed=-1), InequalityError, r"seed.*-1"),
    ("assert-bound-instances-dict", lambda: assert_bound(_ineq(), instances=GOOD, budget=0), InequalityError, r"instances"),
    ("point-text-parameter", lambda: _ineq().evaluate(Point({}, {"x": ["a"], "u": [1, 0], "S": [1, 0, 0, 1], "Q": [0, 0, 0, 0]})),
     InequalityError, r"'x'.*'a'"),
    ("inequality-variables-not-a-list", lambda: Inequality(lambda x, o: 0, lambda x, o: 1, variables=Scalar("x")),
     InequalityError, r"variables.*Scalar"),
    ("inequality-hypotheses-not-a-list", lambda: Inequality(lambda x, o: 0, lambda x, o: 1, hypotheses=5),
     InequalityError, r"hypotheses.*5"),
    ("certify-too-few-digits", lambda: certify(_ineq(), GOOD, dps=2), PrecisionError, r"dps.*2"),
    ("scalar-bound-text", lambda: Scalar("x", lo="a"), InequalityError, r"'x'.*lo.*'a'"),
    ("scalar-bound-infinite", lambda: Scalar("x", lo=0, hi=math.inf), InequalityError, r"'x'.*hi.*None"),
    ("scalar-name-not-identifier", lambda: Scalar(3), InequalityError, r"name.*3"),
    ("scalar-open-flag-not-bool", lambda: Scalar("x", 0, 1, lo_open=1), InequalityError, r"lo_open.*1"),
    ("vector-negative-length", lambda: Vector("v", -1).nparams({}), InequalityError, r"'v'.*-1"),
    # --- symbolic ---------------------------------------------------------------------------------
    ("derive-not-a-model", lambda: derive("model", SCALAR_DATA), SymbolicError, r"model.*'model'"),
    ("random-minimum-no-generator", lambda: random_minimum(MODEL, Moments(np.eye(2).tolist(), [[1, 2]]), None),
     SymbolicError, r"rng.*None"),
    ("vec-not-a-matrix", lambda: vec(None), SymbolicError, r"vec.*NoneType"),
    ("kkt-no-variables", lambda: kkt_points(None, None), SymbolicError, r"objective.*variables"),
    # --- numeric: sweeps ---------------------------------------------------------------------------
    ("sweep-task-not-callable", lambda: run_sweep(None, [{}]), NumericError, r"task.*None"),
    ("sweep-points-not-a-list", lambda: run_sweep(len, {"seed": 1}), NumericError, r"points.*seed"),
    ("sweep-zero-workers", lambda: run_sweep(len, [{}], workers=0), NumericError, r"workers.*0"),
    ("sweep-unknown-executor", lambda: run_sweep(len, [{}], executor="mpi"), NumericError, r"executor.*'mpi'"),
]


@pytest.mark.parametrize("call, error, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_a_named_symflat_error(call, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        call()
    assert isinstance(info.value, SymflatError), f"{type(info.value).__name__} is outside symflat's exception tree"


def test_cases_are_many_and_distinct():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len([i for i in ids if not i.startswith("issue-")]) >= 40


def test_good_inputs_beside_the_bad_ones_still_work():
    """The checks refuse only what is wrong: the neighbours of the bad inputs above are accepted."""
    assert DeepLinear([2.0, 3, 1]).dims == (2, 3, 1)  # an integral float is read exactly
    assert ReluOneHidden(np.int64(3)).width == 3
    assert _ineq().evaluate(GOOD).verdict == "holds"  # 1/4 <= 1/2
    assert _ineq().evaluate(_at(x=1)).verdict == "tight"  # the edge of the domain is inside it
    w = problems.deep_linear_minimum(DeepLinear((2, 3, 2)), Moments([[1, 0], [0, 0]], [[1, 0], [3, 0]]))
    assert np.isfinite(w).all()  # singular Sigma_x with Sigma_yx in its range: a minimum exists
    traj = gradient_descent(CHAIN, [1.0, 1.0], SCALAR_DATA, 0.1, 5, divergence=math.inf)
    assert traj.require_ok() is traj
