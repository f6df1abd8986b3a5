"""High-precision matrix functions and rigorous ball enclosures, against independent computations."""

import flint
import mpmath
import numpy as np
import pytest

from symflat.precision import ArbOps, MpOps, NotSupported, PrecisionError, SympyOps
from symflat.precision import linalg
from symflat.precision.balls import eigvalsh_enclosure, svdvals_enclosure


def test_svd_and_eigh_agree_with_numpy_and_reconstruct_at_50_digits():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3))
    with mpmath.workdps(50):
        u, s, v = linalg.svd(a)
        np.testing.assert_allclose(np.array(s, dtype=float), np.linalg.svd(a, compute_uv=False), rtol=1e-12)
        recon = (u * s) @ v.T
        err = max(abs(recon[i, j] - mpmath.mpf(a[i, j])) for i in range(4) for j in range(3))
        assert err < mpmath.mpf(10) ** -45
        sym = a.T @ a
        w, q = linalg.eigh(sym)
        np.testing.assert_allclose(np.array(w, dtype=float), np.linalg.eigvalsh(sym), rtol=1e-12)
        err = max(abs(x) for x in ((q * w) @ q.T - linalg.to_mp(sym)).ravel())
        assert err < mpmath.mpf(10) ** -44


def test_closed_form_spectrum_to_45_digits():
    with mpmath.workdps(50):
        w = linalg.eigvalsh([[2, 1], [1, 2]])
        assert abs(w[0] - 1) < mpmath.mpf(10) ** -45 and abs(w[1] - 3) < mpmath.mpf(10) ** -45
        assert abs(linalg.opnorm([[3, 0], [0, -4]]) - 4) < mpmath.mpf(10) ** -45
        assert abs(linalg.opnorm([3, 4]) - 5) < mpmath.mpf(10) ** -45


def test_matrix_powers_and_square_root():
    a = np.array([[2, 1], [1, 3]], dtype=object)
    with mpmath.workdps(50):
        p5 = linalg.matpow(a, 5)
        assert (p5 == a @ a @ a @ a @ a).all()  # exact integers stay exact
        r = linalg.sqrtm_psd(a)
        assert max(abs(x) for x in (r @ r - linalg.to_mp(a)).ravel()) < mpmath.mpf(10) ** -45
        with pytest.raises(PrecisionError, match="not positive semidefinite"):
            linalg.matpow([[1, 0], [0, -1]], mpmath.mpf(1) / 2)
    assert (linalg.matprod([np.eye(2, dtype=object), a]) == a).all()


@pytest.mark.parametrize("matrix", [np.eye(3), [[1, 1], [1, 1]], [[2, 1, 0], [1, 2, 0], [0, 0, 3]], np.zeros((2, 2))])
def test_ball_eigenvalues_enclose_exact_ones_even_when_repeated(matrix):
    s = np.array(matrix, dtype=object)
    exact = sorted(np.linalg.eigvalsh(np.array(matrix, dtype=float)).round(12))
    with flint.ctx.workprec(200):
        for seed_dps in (None, 60):
            balls = eigvalsh_enclosure(s, seed_dps)
            for b, e in zip(balls, exact):
                assert b.contains(flint.arb(round(e))), (b, e)  # integer spectra here
                assert b.rad() < (1e-14 if seed_dps is None else 1e-50)


def test_singular_value_enclosures_rank_deficient():
    a = np.array([[1, 2], [2, 4], [3, 6]], dtype=object)  # rank one, sigma = sqrt(70)
    with flint.ctx.workprec(200):
        s = svdvals_enclosure(a, 60)
        assert s[0].contains(flint.arb(70).sqrt()) and s[0].rad() < 1e-50
        assert s[1].contains(0) and s[1].upper() < 1e-24


def test_arb_arithmetic_is_never_overconfident():
    ops = ArbOps(30)
    with ops.active():
        around_zero = flint.arb(0, 1e-20)
        assert ops.sqrt(around_zero).is_nan()  # undecided, not a made-up value
        assert ops.fro2(np.array([around_zero])) >= 0
        square = ops.pow(around_zero, 2)
        assert square.contains(0) and square >= 0 and square.upper() < 1e-39
        assert (ops.q(1, 3) * 3).contains(1)


def test_sympy_ops_refuse_what_has_no_closed_form():
    ops = SympyOps()
    with pytest.raises(NotSupported, match="operator norm"):
        ops.opnorm(np.array([[ops.num(1), ops.num(2)], [ops.num(3), ops.num(4)]], dtype=object))
    with pytest.raises(NotSupported, match="closed form"):
        ops.eigvalsh(np.array([[ops.num(1)]], dtype=object))
    with pytest.raises(NotSupported, match="exact constant"):
        ops.num(object())


def test_mp_ops_rejects_silly_precision():
    with pytest.raises(PrecisionError, match="dps"):
        MpOps(2)


def test_psd_roots_in_ball_arithmetic_enclose_mpmath_ones():
    from symflat.precision.balls import _to_arb, psd_power_enclosure

    s = np.array([[2, 1, 0], [1, 2, 0], [0, 0, 0]], dtype=object)  # singular PSD
    with mpmath.workdps(60):
        exact_sqrt = linalg.sqrtm_psd(s)
        exact_cbrt = linalg.matpow(s, mpmath.mpf(1) / 3)
    with flint.ctx.workprec(220):
        for seed, width in ((None, 1e-6), (60, 1e-25)):
            r = psd_power_enclosure(s, 0.5, seed)
            c = psd_power_enclosure(s, 1 / 3, seed)
            for i in range(3):
                for j in range(3):
                    # the 60-digit mpmath values are far inside balls of radius >= 1e-30
                    assert r[i, j].contains(_to_arb(exact_sqrt[i, j])) and c[i, j].contains(_to_arb(exact_cbrt[i, j]))
                    assert r[i, j].rad() < width
        with pytest.raises(NotSupported, match="1/k"):
            psd_power_enclosure(s, 0.3)


def test_certified_inequality_through_a_matrix_square_root():
    from symflat.precision import Inequality, Matrix, certify

    # (tr S^{1/2})^2 >= tr S for PSD S: (sum sqrt(l_i))^2 >= sum l_i
    ineq = Inequality(lambda x, o: o.trace(o.sqrtm(x["S"])) ** 2, lambda x, o: o.trace(x["S"]), ">=",
                      variables=[Matrix("S", (3, 3), "psd")])
    p = ineq.point({}, np.random.default_rng(4).standard_normal(9))
    assert certify(ineq, p, dps=30).status == "certified"


def test_special_functions_agree_across_arithmetics():
    from symflat.precision import FloatOps
    from symflat.precision.balls import _to_arb

    mp, arb, fl = MpOps(60), ArbOps(50), FloatOps()
    for name in mp.SPECIAL:
        with mp.active():
            ref = mp.special(name, mp.q(2, 7))
        with arb.active():
            ball = arb.special(name, arb.q(2, 7))
            assert ball.contains(_to_arb(ref)) and ball.rad() < 1e-45, name
        assert abs(fl.special(name, 2 / 7) - float(ref)) < 1e-14 * max(1, abs(float(ref)))
    with pytest.raises(PrecisionError, match="unknown special function"):
        mp.special("zeta2", 1)
    import sympy

    assert SympyOps().special("sin", SympyOps().q(2, 7)) == sympy.sin(sympy.Rational(2, 7))  # kept symbolic


def test_ball_eigenvalues_refuse_non_symmetric_input():
    with flint.ctx.workprec(100), pytest.raises(NotSupported, match="non-symmetric"):
        eigvalsh_enclosure(np.array([[1, 2], [0, 1]], dtype=object))
