"""General proofs for Elkabetz & Cohen 2021: the worst-case objective (25)-(27) as printed, in SymPy, and a
helper that decides a list of real formulas with z3 and turns the outcome into one piece of claim evidence.

Constants of the setting enter as symbols with the bounds the paper's hypotheses give them (a > 0, b >= 3,
z_c = b e^30 + 1, rho = min(e^-12/2, eps/(2b))), so a decision covers every admissible value, not a grid."""

from __future__ import annotations

import sympy as sp

from symflat.claims import Evidence

a, rho, zc, zbc = sp.symbols("a rho z_c zbar_c", positive=True)
z = sp.Symbol("z", real=True)              # the coordinate: (26)'s anisotropic piece reaches below 0
C0, Cb = sp.symbols("C0 Cbar")            # phi(0), phi_bar(rho/2 - 1): additive constants that derivatives drop
c2 = rho / 2 - 1
_shift = -a / 2 + a * (rho / 2 - sp.Rational(7, 48) * rho ** 2)

#: (25) as printed on z >= 0: (expression, lower end, upper end) per piece; the last piece is unbounded.
PHI = [
    (C0 - a * z ** 2 / 2, 0, zc),
    (C0 - a * z ** 2 / 2 + a * (sp.Rational(2, 3) + zc) * (z - zc) ** 3 - a * (sp.Rational(1, 4) + zc / 2) * (z - zc) ** 4,
     zc, zc + 1),
    (sp.Integer(0), zc + 1, sp.oo),
]
#: (26) as printed on z >= rho/2 - 1.
PHIBAR = [
    (Cb - a / 4 * (z - c2) ** 2, c2, 1 - rho),
    (Cb + _shift - a * z ** 2 / 2 - a / (12 * rho) * (z - 1) ** 3, 1 - rho, 1),
    (Cb + _shift - a * z ** 2 / 2, 1, zbc),
    (Cb + _shift - a * z ** 2 / 2 + a * (sp.Rational(2, 3) + zbc) * (z - zbc) ** 3
     - a * (sp.Rational(1, 4) + zbc / 2) * (z - zbc) ** 4, zbc, zbc + 1),
    (sp.Integer(0), zbc + 1, sp.oo),
]
#: What the setting gives the constants (and more: a proof under these covers the setting): b >= 3 makes
#: z_c = b e^30 + 1 >= 1 and z_bar_c = b + 1 >= 4; rho <= e^-12/2 < 1/2.
SETTING = [zc >= 1, zbc >= 4, rho <= sp.Rational(1, 2)]


def piece_conditions(pieces):
    """``(goal, assumptions)`` per piece: minus the derivative of the printed piece is >= 0 on its interval."""
    out = []
    for expr, lo, hi in pieces:
        g = sp.expand(-sp.diff(expr, z))
        hyp = [z >= lo] + ([] if hi is sp.oo else [z <= hi])
        out.append((g >= 0, hyp + SETTING))
    return out


def decide_all(what: str, items, detail: str, reductions=(), solver: str = "z3", timeout_ms: int = 10_000,
               **data) -> Evidence:
    """Decide every ``(goal, assumptions)`` of ``items`` (``forall x: assumptions => goal``); ``proved`` (general)
    only when every one is and every calculus ``reductions`` entry (:mod:`symflat.precision.calculus`) is proved,
    else the first refutation (with its exact witness) or ``open`` with the reason."""
    from symflat.precision.decide import decide_formula

    decisions = [decide_formula(goal, hyp, solver=solver, timeout_ms=timeout_ms) for goal, hyp in items]
    for d in decisions:
        if d.status != "proved":
            return d.evidence(f"{what}: a formula of the reduction ({d.detail})")
    for r in reductions:
        if r.status != "proved":
            return r.evidence(f"{what}: a calculus step of the reduction")
    d0 = decisions[0]
    method = f"{d0.solver} decision" + (" + calculus reductions" if reductions else "")
    return Evidence.proved(f"{what}: {detail} ({len(decisions)} formulas decided"
                           + (f", {len(reductions)} calculus reductions" if reductions else "") + ")",
                           method=method, solver=d0.solver, version=d0.version,
                           solver_seconds=round(sum(d.seconds for d in decisions), 4),
                           formulas=[str(sp.Implies(sp.And(*hyp), goal)) for goal, hyp in items]
                           + [r.statement for r in reductions], **data)


# --- Proposition 20's start set and constants ---------------------------------------------------------------------

th0, E, eta = sp.symbols("theta0 E eta", positive=True)   # E stands for e^12
tb0 = sp.Symbol("thetabar0", real=True)
#: A = (2 - 3 rho/2)/(theta_bar_0 + 1 - rho/2): t_{1-rho} = (2/a) ln A (Lemma 70), k_{1-rho} = ceil(ln A / ln(1 + a eta/2)).
A = (2 - 3 * rho / 2) / (tb0 + 1 - rho / 2)
#: Rational facts about e used below, each checked exactly by SymPy's sign evaluation in :func:`constants_hold`.
CONSTANT_FACTS = [(sp.E ** 12, ">=", 162754), (sp.E ** 12, "<=", 162755), (sp.E ** 6, ">=", 403),
                  (sp.E ** 30, "<=", 2 * 10 ** 13)]
#: Prop. 20's hypotheses on the start and the setting, with e^12 as a variable E >= 162754 and z_c = b e^30 + 1 replaced
#: by the consequence z_c >= 1209 E^2 (b >= 3 and e^6 >= 403): theta_{s,1} in (1/2, 1), theta_{s,2} in
#: (e^-12/2 - 1, e^-12 - 1), 0 < rho <= e^-12/2.
START = [E >= 162754, rho <= 1 / (2 * E), th0 > sp.Rational(1, 2), th0 < 1, tb0 > 1 / (2 * E) - 1, tb0 < 1 / E - 1,
         zc >= 1209 * E ** 2]


def constants_hold() -> bool:
    """Every fact of :data:`CONSTANT_FACTS` is true (SymPy decides the sign of e^k - q to any needed precision)."""
    return all(bool(sp.Ge(lhs, rhs) if op == ">=" else sp.Le(lhs, rhs)) for lhs, op, rhs in CONSTANT_FACTS)


# --- Lemma 68's range over the later regions -----------------------------------------------------------------------

b, Z, x = sp.symbols("b Z x", positive=True)   # Z stands for e^30, x for a eta
#: Prop. 20's start set with z_c = b Z + 1, z_bar_c = b + 1 kept exact in b >= 3 and Z = e^30 >= 403 E^2 (e^6 >= 403).
START_B = [E >= 162754, rho <= 1 / (2 * E), th0 > sp.Rational(1, 2), th0 < 1, tb0 > 1 / (2 * E) - 1,
           tb0 < 1 / E - 1, b >= 3, Z >= 403 * E ** 2]
STEP = [x <= sp.Rational(1, 6)]       # the case eta <= 1/(6a) of App. I.14.1


def range_items(upto: str):
    """Formulas that keep the first coordinate in Lemma 68's range (theta < z_c) up to the exit of the region ``upto``
    (``"1"``: theta_bar reaches 1; ``"zbc"``: theta_bar reaches z_bar_c), for GF and for GD with x = a eta.

    GF: t_1 <= (2/a) ln A + ln(1/(1 - rho))/a (Lemmas 70, 75) and t_zbc = t_1 + ln(z_bar_c)/a (Lemma 80) stay below
    ln(z_c/theta_0)/a. GD: k_{1-rho} <= 1 + ln A/ln(1 + x/2) <= 1 + 2 ln A/ln(1 + x) ((1 + x/2)^2 >= 1 + x), each further
    ceiling of Lemmas 77 and 82 adds at most 1 + ln(1/(1 - rho))/ln(1 + x), resp. 1 + ln(z_bar_c)/ln(1 + x)
    (theta_bar_{k_{1-rho}} >= 1 - rho, theta_bar_{k_1} >= 1); the sum stays below ln(z_c/theta_0)/ln(1 + x)."""
    zc_, zbc_ = b * Z + 1, b + 1
    tail = 1 if upto == "1" else zbc_
    steps = 2 if upto == "1" else 3
    return [
        (th0 * A ** 2 * tail < zc_ * (1 - rho), START_B),
        (th0 * A ** 2 * tail * (1 + x) ** steps < zc_ * (1 - rho), START_B + STEP),
        ((1 + x / 2) ** 2 >= 1 + x, []),
    ]


def window_in_isotropic_region() -> bool:
    """Prop. 20's window for t~ rewritten with A and Lemma 75 (i): its lower end t_{1-rho} + ln(2/(1 - rho))/a is
    >= t_1 + ln(2)/a and its upper end t_{1-rho} + ln((1 + rho/4)/(1 - 3rho/4))/a + ln(b)/a is <= t_1 + ln(b)/a, because
    (2 - 3rho/2)/(theta_bar_0 - (rho/2 - 1)) = A and (1 + rho/4)/(1 - 3rho/4) = (4 + rho)/(4 - 3rho) (SymPy)."""
    return (sp.simplify((2 - 3 * rho / 2) / (tb0 - (rho / 2 - 1)) - A) == 0
            and sp.simplify((1 + rho / 4) / (1 - 3 * rho / 4) - (4 + rho) / (4 - 3 * rho)) == 0)


# --- App. E: witnesses whose Hessian is bounded below at every theta ----------------------------------------------

def shallow_logistic_witness(what: str) -> Evidence:
    """The scalar depth-2 witness: one example x = 1, y = 1, logistic loss l(z) = ln(1 + e^{-z}), f(w_1, w_2) =
    l(D w_1 w_2), D = 1 (linear) or D in {alpha, alpha_bar} = {1, 1/5} (leaky ReLU, on w_1 > 0 resp. w_1 < 0, where the
    Hessian exists). SymPy: the Hessian is l''(z) g g^T + l'(z) D [[0, 1], [1, 0]], g = D (w_2, w_1), z = D w_1 w_2, with
    l' = -1/(1 + e^z), l'' = e^z/(1 + e^z)^2. z3 (with t = e^z > 0): -1 <= l' <= 0 and l'' >= 0; and for every w, u, every
    |D| <= 1, P in [-1, 0], S >= 0: u^T (S g g^T + P D [[0,1],[1,0]]) u >= -|u|^2. So lambda_min >= -1 at every theta
    where the Hessian exists. Depth 3 with x = 0: the output W_3 s(W_2 s(W_1 0)) is 0 (s(0) = 0), f is the constant
    ln 2 and its Hessian is 0 (SymPy)."""
    w1, w2, w3, u1, u2, D, P, S, zz = sp.symbols("w1 w2 w3 u1 u2 D P S z", real=True)
    t = sp.Symbol("t", positive=True)
    loss = lambda v: sp.log(1 + sp.exp(-v))  # noqa: E731
    lp, lpp = -1 / (1 + sp.exp(zz)), sp.exp(zz) / (1 + sp.exp(zz)) ** 2
    ok = sp.simplify(sp.diff(loss(zz), zz) - lp) == 0 and sp.simplify(sp.diff(loss(zz), zz, 2) - lpp) == 0
    ok &= lp.subs(zz, 0) == -sp.Rational(1, 2)     # grad phi(0) = l'(0) x != 0: only the depth assumption is dropped
    f = loss(D * w1 * w2)
    H = sp.hessian(f, (w1, w2))
    g = sp.Matrix([D * w2, D * w1])
    at = {zz: D * w1 * w2}
    ok &= (H - (lpp.subs(at) * g * g.T + lp.subs(at) * D * sp.Matrix([[0, 1], [1, 0]]))).applyfunc(sp.simplify) == sp.zeros(2)
    leaky = lambda v: sp.Max(v, 0) - sp.Rational(1, 5) * sp.Max(-v, 0)  # noqa: E731
    for s_ in (lambda v: v, leaky):
        f0 = loss(w3 * s_(w2 * s_(w1 * 0)))
        ok &= sp.simplify(f0 - sp.log(2)) == 0 and sp.hessian(f0, (w1, w2, w3)) == sp.zeros(3)
    if not ok:
        return Evidence.open(f"{what}: the witness's Hessian did not reduce to the stated form")
    quad = S * (D * w2 * u1 + D * w1 * u2) ** 2 + 2 * P * D * u1 * u2
    items = [(sp.And(-1 <= -1 / (1 + t), -1 / (1 + t) <= 0, t / (1 + t) ** 2 >= 0), []),
             (quad >= -(u1 ** 2 + u2 ** 2), [D >= -1, D <= 1, P >= -1, P <= 0, S >= 0])]
    return decide_all(what, items, "lambda_min(Hessian) >= -1 at every theta of the scalar depth-2 logistic witness "
                      "(linear and leaky slopes 1, 1/5), so its infimum is finite; with x = 0 the loss is constant "
                      "(Hessian 0) at depth 3")
