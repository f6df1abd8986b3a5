"""The scalar chain ``f(x) = w_m ... w_1 x`` at every depth ``m`` (Mulayoff & Michaeli 2020, Sec. 3
and App. III), derived with :mod:`symflat.symbolic.depth_generic`.

Loss in moments (eq. S9): ``l = sigma_y^2 - 2 sigma_x^2 tau P + sigma_x^2 P^2`` with ``P = prod_j w_j``;
the minimum set is ``Omega = {P = tau}`` (eq. 7). Each function returns a finished
:class:`~symflat.symbolic.depth_generic.DepthProof` (or raises ``DerivationFailed``) whose
``conditions`` are exactly the non-zero and sign conditions its steps needed:

- :func:`hessian_entries` — eq. (8): ``d^2 l / dw_k dw_q = 2 sigma_x^2 tau^2 / (w_k w_q)`` on Omega;
- :func:`rank_one_form` — eq. (9): ``H = 2 sigma_x^2 tau^2 z z^T``, ``z_j = 1 / w_j``;
- :func:`top_eigenvalue` — eq. (10): ``lambda_max(H) = 2 sigma_x^2 tau^2 sum_j w_j^-2``;
- :func:`same_minimisers` — eq. (11): minimising ``lambda_max`` over Omega is problem (11);
- :func:`flattest_set` — eq. (12): ``Omega_0 = {|w_j| = |tau|^(1/m), prod sgn w_j = sgn tau}``;
- :func:`flattest_sharpness` — eq. (13) with ``|tau|``: ``min_Omega lambda_max = 2 m sigma_x^2 |tau|^(2(1-1/m))``;
- :func:`flattest_count` — ``|Omega_0| = 2^(m-1)``;
- :func:`line_curvatures` — Claim S1: along the line between two minima of one orthant, the loss
  looks sharper at ``w1`` iff ``sum_i w2_i/w1_i > sum_i w1_i/w2_i``;
- :func:`reflected_minimum` — Lemma 2: ``w3 = w1^2 / w2`` is a minimum that looks flatter than ``w1``
  whenever ``w2`` looks sharper than ``w1``.
"""

from __future__ import annotations

import sympy as sp

from symflat.symbolic.depth_generic import (
    Condition,
    DepthProof,
    am_gm,
    derivative_of_product,
    j,
    k,
    m,
    nonnegative_sum,
    product_of_constant,
    product_of_quotients,
    q,
    sign_pattern_count,
    sum_of_constant,
)

SX2, TAU, SY2 = sp.symbols("sigma_x2 tau sigma_y2", real=True)
W = sp.IndexedBase("w", real=True)
Z = sp.IndexedBase("z", real=True)
R = sp.IndexedBase("r", real=True)


def _loss(P):
    return SY2 - 2 * SX2 * TAU * P + SX2 * P**2


def _is_z(e) -> bool:
    return isinstance(e, sp.Indexed) and e.base == Z


def _z_as_w(e):
    """``z_i -> 1 / w_i`` (also under a ``Sum``, where ``subs`` leaves the bound index alone)."""
    return 1 / W[e.indices[0]]


def _sharpness_factor(p: DepthProof) -> sp.Expr:
    """``c = 2 sigma_x^2 tau^2 > 0``: the factor every curvature on Omega carries."""
    c = 2 * SX2 * TAU**2
    p.sign("2 sigma_x^2 tau^2 > 0", c, "positive", assuming={SX2: ["positive"], TAU: ["nonzero"]},
           why="the curvature factor 2 sigma_x^2 tau^2 is positive")
    return c


def _entries(p: DepthProof) -> None:
    """Eq. (8) for symbolic indices k != q and k = q (the steps of :func:`hessian_entries`)."""
    wk, wq = sp.symbols("w_k w_q", real=True)
    Rk, Rkq = sp.symbols("P_{-k} P_{-kq}", real=True)
    p.note("other factors", "P = w_k P_{-k}, and for q != k P = w_k w_q P_{-kq}; by definition P_{-k} does not "
           "depend on w_k nor P_{-kq} on w_k, w_q", needs=[Condition(sp.Ge(m, 2), "two distinct indices k != q")])
    off = sp.diff(_loss(wk * wq * Rkq), wk, wq)
    p.identity("off-diagonal entry (q != k)", off.subs(Rkq, p.divide(Rkq, TAU / (wk * wq), [wk, wq], "P = tau on Omega")),
               2 * SX2 * TAU**2 / (wk * wq))
    diag = sp.diff(_loss(wk * Rk), wk, 2)
    p.identity("diagonal entry", diag.subs(Rk, p.divide(Rk, TAU / wk, [wk], "P = tau on Omega")), 2 * SX2 * TAU**2 / wk**2)


def hessian_entries() -> DepthProof:
    """Eq. (8) for every ``m >= 2`` and all ``k, q``."""
    p = DepthProof("eq. (8): d^2 l/dw_k dw_q = 2 sigma_x^2 tau^2/(w_k w_q) on Omega")
    _entries(p)
    return p


def _z_defined(p: DepthProof) -> None:
    p.note("z is defined on Omega", "prod_j w_j = tau with tau != 0 makes every w_j != 0, so z_j = 1/w_j exists",
           needs=[Condition(sp.Ne(TAU, 0), "z_j = 1/w_j needs w_j != 0 for every j")])


def rank_one_form() -> DepthProof:
    """Eq. (9): ``H_kq = 2 sigma_x^2 tau^2 z_k z_q`` entrywise, every ``m >= 2``."""
    p = DepthProof("eq. (9): H = 2 sigma_x^2 tau^2 z z^T on Omega")
    _entries(p)
    _z_defined(p)
    wk, wq = sp.symbols("w_k w_q", real=True)
    p.identity("entrywise", 2 * SX2 * TAU**2 / (wk * wq), 2 * SX2 * TAU**2 * (1 / wk) * (1 / wq))
    return p


def _spectrum(p: DepthProof) -> sp.Expr:
    """Steps of eq. (10) on ``H_kq = c z_k z_q``; returns ``lambda = c sum_q z_q^2``."""
    c = _sharpness_factor(p)
    lam = c * sp.Sum(Z[q] ** 2, (q, 1, m))
    p.identity("H z = lambda z", sp.Sum(c * Z[k] * Z[q] * Z[q], (q, 1, m)), lam * Z[k])
    i, l_ = sp.symbols("i l", integer=True, positive=True)
    H = lambda a, b: c * Z[a] * Z[b]  # noqa: E731
    p.identity("every 2x2 minor vanishes (rank <= 1)", H(i, k) * H(j, l_) - H(i, l_) * H(j, k), 0)
    p.identity("trace", sp.Sum(H(q, q), (q, 1, m)), lam)
    p.use(nonnegative_sum(), needs=[Condition(sp.Ne(TAU, 0), "every z_q^2 > 0, so sum z_q^2 > 0")])
    p.note("the only non-zero eigenvalue", "a symmetric matrix of rank <= 1 has eigenvalues {trace, 0, ..., 0}; "
           "the trace c sum z_q^2 is > 0 (c > 0, every z_q != 0), so it is lambda_max")
    return lam


def top_eigenvalue() -> DepthProof:
    """Eq. (10): ``lambda_max(H_w) = 2 sigma_x^2 tau^2 sum_j w_j^-2`` on Omega, every ``m >= 2``."""
    p = DepthProof("eq. (10): lambda_max(H) = 2 sigma_x^2 tau^2 sum_j w_j^-2 on Omega")
    _entries(p)
    _z_defined(p)
    lam = _spectrum(p)
    p.identity("z_j = 1/w_j", lam.replace(_is_z, _z_as_w), 2 * SX2 * TAU**2 * sp.Sum(W[q] ** -2, (q, 1, m)))
    return p


def same_minimisers() -> DepthProof:
    """Eq. (11): on Omega, ``lambda_max = c * sum_j w_j^-2`` with a constant ``c > 0``."""
    p = DepthProof("eq. (11): argmin over Omega of lambda_max = argmin of sum_j w_j^-2 s.t. prod w_j = tau")
    _entries(p)
    _z_defined(p)
    lam = _spectrum(p).replace(_is_z, _z_as_w)
    c = 2 * SX2 * TAU**2
    p.identity("lambda_max = c * objective (11)", lam, c * sp.Sum(1 / W[q] ** 2, (q, 1, m)))
    p.note("positive constant factor", "c = 2 sigma_x^2 tau^2 > 0 is the same at every point of Omega, so both problems "
           "have the same minimisers")
    return p


def _am_gm_on_omega(p: DepthProof) -> tuple[sp.Expr, sp.Expr]:
    """``sum_j w_j^-2 >= m |tau|^(-2/m)`` on Omega, equality iff every ``|w_j| = |tau|^(1/m)``.
    Returns ``(a, bound)`` with ``a = |tau|`` as a positive symbol."""
    a = sp.Symbol("a", positive=True)                      # a = |tau|
    p.identity("tau^2 = |tau|^2", TAU**2, sp.Abs(TAU) ** 2)
    p.use(am_gm(), needs=[Condition(sp.Ne(TAU, 0), "a_j = w_j^-2 > 0 needs w_j != 0 (prod w_j = tau)")])
    p.use(product_of_quotients(), needs=[Condition(sp.Ne(TAU, 0), "prod_j w_j^-2 = 1/(prod w_j)^2 divides by tau")])
    p.identity("prod_j w_j^-2 = tau^-2 on Omega", (1 / TAU) ** 2, 1 / sp.Abs(TAU) ** 2)
    bound = m * (a**-2) ** (sp.Integer(1) / m)
    p.identity("m (prod_j w_j^-2)^(1/m) = m |tau|^(-2/m)", bound, m * a ** (-sp.Integer(2) / m))
    # equality case: all a_j = A, A^m = |tau|^-2  =>  A = |tau|^(-2/m)  =>  |w_j| = |tau|^(1/m)
    A = a ** (-sp.Integer(2) / m)
    p.use(product_of_constant())
    p.identity("equal terms: A^m = |tau|^-2", A**m, a**-2)
    p.identity("|w_j| = A^(-1/2) = |tau|^(1/m)", A ** sp.Rational(-1, 2), a ** (sp.Integer(1) / m))
    return a, m * A


def flattest_set() -> DepthProof:
    """Eq. (12) for ``tau != 0``: the minimisers of (11) are the points with ``|w_j| = |tau|^(1/m)`` and
    ``prod_j sgn w_j = sgn tau``."""
    p = DepthProof("eq. (12): Omega_0 = {|w_j| = |tau|^(1/m), prod sgn w_j = sgn tau}")
    _am_gm_on_omega(p)
    a = sp.Symbol("a", positive=True)
    s = sp.Symbol("s", real=True)                           # s = prod_j sgn(w_j)
    p.identity("prod w_j = (prod sgn w_j) |tau| forces prod sgn w_j = tau/|tau|", sp.solve(sp.Eq(s * a, TAU), s)[0], TAU / a)
    p.note("sgn", "tau/|tau| = sgn(tau) for tau != 0", needs=[Condition(sp.Ne(TAU, 0), "sgn(tau) = tau/|tau|")])
    p.identity("conversely such points lie in Omega: prod |w_j| = (|tau|^(1/m))^m = |tau|",
               (a ** (sp.Integer(1) / m)) ** m, a)
    p.use(sum_of_constant())
    p.identity("and attain the bound: sum_j |tau|^(-2/m) = m |tau|^(-2/m)",
               sp.Sum(a ** (-sp.Integer(2) / m), (j, 1, m)).doit(), m * a ** (-sp.Integer(2) / m))
    return p


def flattest_sharpness() -> DepthProof:
    """Eq. (13) read with ``|tau|``: ``min_Omega lambda_max = 2 m sigma_x^2 |tau|^(2(1-1/m))``."""
    p = DepthProof("eq. (13): min over Omega of lambda_max = 2 m sigma_x^2 |tau|^(2(1-1/m))")
    _entries(p)
    _z_defined(p)
    lam = _spectrum(p).replace(_is_z, _z_as_w)
    a, minimum = _am_gm_on_omega(p)
    c = 2 * SX2 * a**2
    p.identity("lambda_max = c sum_j w_j^-2", lam, 2 * SX2 * TAU**2 * sp.Sum(1 / W[q] ** 2, (q, 1, m)))
    p.identity("at Omega_0: 2 sigma_x^2 |tau|^2 * m |tau|^(-2/m) = 2 m sigma_x^2 |tau|^(2(1-1/m))",
               c * minimum, 2 * m * SX2 * a ** (2 * (1 - sp.Integer(1) / m)))
    return p


def flattest_count() -> DepthProof:
    """``|Omega_0| = 2^(m-1)`` for ``tau != 0``: one point per sign pattern with product ``sgn tau``."""
    p = DepthProof("|Omega_0| = 2^(m-1)")
    p.use(sign_pattern_count())
    a = sp.Symbol("a", positive=True)
    p.note("distinct points", "two sign patterns differ in some s_j, so the points s_j |tau|^(1/m) differ there "
           "because |tau|^(1/m) != 0", needs=[Condition(sp.Ne(TAU, 0), "distinct sign patterns give distinct points")])
    p.identity("|tau|^(1/m) > 0 for |tau| > 0", sp.Abs(a ** (sp.Integer(1) / m)), a ** (sp.Integer(1) / m))
    return p


def _line(p: DepthProof):
    """Curvature of the loss along the line from ``w1`` to ``w2`` (both in Omega) at each end, with
    ``r_i = w2_i / w1_i``: returns ``(c, S, Rinv, k1, k2)`` with ``S = sum r_i``, ``Rinv = sum 1/r_i``."""
    t = sp.Symbol("t", real=True)
    P = sp.Function("P")(t)
    l2 = sp.diff(_loss(P), t, 2)
    P1 = sp.Symbol("P'")
    at_min = l2.subs(sp.Derivative(P, (t, 2)), sp.Symbol("P''")).subs(sp.Derivative(P, t), P1).subs(P, TAU)
    p.identity("on Omega l'' = 2 sigma_x^2 P'^2", at_min, 2 * SX2 * P1**2)
    p.use(derivative_of_product(), needs=[Condition(sp.Ne(W[j], 0), "w1_j, w2_j != 0 (ends of the line)")])
    S = sp.Sum(R[j], (j, 1, m))
    Rinv = sp.Sum(1 / R[j], (j, 1, m))
    w1 = sp.IndexedBase("w1", real=True)
    w2 = lambda i: w1[i] * R[i]  # noqa: E731
    p.use(sum_of_constant())
    d0 = TAU * sp.Sum((w2(j) - w1[j]) / w1[j], (j, 1, m))
    p.identity("P'(0) = tau (sum r_j - m)", d0, TAU * (S - m))
    d1 = TAU * sp.Sum((w2(j) - w1[j]) / w2(j), (j, 1, m))
    p.identity("P'(1) = tau (m - sum 1/r_j)", d1, TAU * (m - Rinv))
    k1, k2 = 2 * SX2 * (TAU * (S - m)) ** 2, 2 * SX2 * (TAU * (m - Rinv)) ** 2
    return S, Rinv, k1, k2


def line_curvatures() -> DepthProof:
    """Claim S1 for every ``m``: ``k(w1) - k(w2) = c (S - R)(S + R - 2m)`` and ``S + R - 2m >= 0``, so
    the loss looks sharper at ``w1`` iff ``S > R`` (``w1 != w2`` in one orthant)."""
    p = DepthProof("Claim S1: sharper at w1 iff sum w2/w1 > sum w1/w2")
    S, Rinv, k1, k2 = _line(p)
    c = _sharpness_factor(p)
    p.identity("k(w1) - k(w2) = c (S - R)(S + R - 2m)", k1 - k2, c * (S - Rinv) * (S + Rinv - 2 * m))
    r = sp.Symbol("r_j", real=True)
    p.identity("S + R - 2m = sum_j (r_j - 1)^2 / r_j", sp.Sum(R[j] + 1 / R[j] - 2, (j, 1, m)),
               S + Rinv - 2 * m)
    p.identity("termwise", r + 1 / r - 2, (r - 1) ** 2 / r)
    p.sign("(r_j - 1)^2 / r_j >= 0", (r - 1) ** 2 / r, "nonnegative", assuming={r: ["positive"]},
           why="r_j = w2_j/w1_j > 0: w1, w2 in one orthant")
    p.use(nonnegative_sum(), needs=[Condition(sp.Gt(r, 0), "r_j = w2_j/w1_j > 0: w1, w2 in one orthant")])
    p.note("strict", "the sum is 0 only when every r_j = 1, i.e. w2 = w1; otherwise S + R - 2m > 0 and, with c > 0, "
           "k(w1) > k(w2) iff S > R (for w2 = w1 both sides are false)")
    return p


def reflected_minimum() -> DepthProof:
    """Lemma 2 for every ``m``: ``w3 = w1^2 / w2`` lies in Omega and the curvatures on the line w1-w3
    are those of the line w1-w2 with the ends swapped."""
    p = DepthProof("Lemma 2: w3 = w1^2/w2 is a minimum that looks flatter than w1 when w2 looks sharper")
    S, Rinv, k1, k2 = _line(p)
    p.use(product_of_quotients(), needs=[Condition(sp.Ne(W[j], 0), "w3_j = w1_j^2 / w2_j needs w2_j != 0"),
                                         Condition(sp.Ne(TAU, 0), "prod w3 = (prod w1)^2 / prod w2 divides by tau")])
    p.identity("prod w3 = (prod w1)^2 / prod w2 = tau", TAU**2 / TAU, TAU)
    p.identity("r3_j = w3_j / w1_j = 1 / r_j", (1 / R[j]), sp.Integer(1) / R[j])
    S3, R3 = Rinv, S                                         # sum r3 = sum 1/r, sum 1/r3 = sum r
    k13_w1, k13_w3 = 2 * SX2 * (TAU * (S3 - m)) ** 2, 2 * SX2 * (TAU * (m - R3)) ** 2
    p.identity("k(w1; line w1-w3) = k(w2; line w1-w2)", k13_w1, k2)
    p.identity("k(w3; line w1-w3) = k(w1; line w1-w2)", k13_w3, k1)
    p.note("conclusion", "w2 sharper than w1 on their line (k2 > k1) gives k(w1; w1-w3) > k(w3; w1-w3): w3 looks flatter; "
           "neither w1 in Omega_0 nor the sign pattern of w2 is used")
    return p


def reflected_minimum_at_zero_target() -> DepthProof:
    """Lemma 2 when ``tau = 0``: its hypothesis never holds. On Omega the Hessian is then
    ``2 sigma_x^2 g g^T`` with ``g_k = P_{-k}``, so ``lambda_max = 2 sigma_x^2 sum_k P_{-k}^2`` is 0
    exactly where every ``P_{-k}`` vanishes, i.e. where at least two weights are 0 (``w = 0`` shows the
    value 0 is attained). A ``w2`` with the sign pattern of such a ``w1`` is 0 at the same two places,
    so the product, hence the loss, is constant along their line: neither end looks sharper."""
    p = DepthProof("Lemma 2 at tau = 0: the hypothesis is vacuous")
    wk, wq = sp.symbols("w_k w_q", real=True)
    Rk, Rq, Rkq = sp.symbols("P_{-k} P_{-q} P_{-kq}", real=True)
    p.note("other factors", "P = w_k w_q P_{-kq}, P_{-k} = w_q P_{-kq}, P_{-q} = w_k P_{-kq} (q != k)",
           needs=[Condition(sp.Ge(m, 2), "two distinct indices k != q")])
    loss0 = _loss(wk * wq * Rkq).subs(TAU, 0)
    P = wk * wq * Rkq
    p.identity("off-diagonal entry at tau = 0", sp.diff(loss0, wk, wq), 2 * SX2 * (wq * Rkq) * (wk * Rkq) + 2 * SX2 * P * Rkq)
    p.note("on Omega", "P = tau = 0 removes the second term: H_kq = 2 sigma_x^2 P_{-k} P_{-q}")
    p.identity("diagonal entry at tau = 0", sp.diff(_loss(wk * Rk).subs(TAU, 0), wk, 2), 2 * SX2 * Rk**2)
    p.use(nonnegative_sum(), needs=[Condition(sp.Gt(SX2, 0), "lambda_max = 2 sigma_x^2 sum_k P_{-k}^2 >= 0")])
    p.note("flattest points", "lambda_max = 0 iff every P_{-k} = 0 iff at least two w_j = 0 (with one zero at i, "
           "P_{-i} is a product of non-zero numbers); w = 0 attains it")
    t = sp.Symbol("t", real=True)
    rest = sp.Symbol("rest", real=True)
    p.identity("two factors vanish along the line, so P(t) = 0", (0 + t * (0 - 0)) * (0 + t * (0 - 0)) * rest, 0)
    p.identity("and the loss is constant: l'' = 0", sp.diff(_loss(sp.Integer(0) * t).subs(TAU, 0), t, 2), 0)
    return p


#: the proofs of eqs. (8)-(13), in the paper's order (what ``symflat bench symbolic`` times)
EQS_8_TO_13 = (hessian_entries, rank_one_form, top_eigenvalue, same_minimisers, flattest_set, flattest_sharpness)
