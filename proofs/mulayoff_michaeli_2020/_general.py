"""Derivations of Mulayoff & Michaeli 2020's Sec. 5 steps for every depth m, width and data set.

Each function builds a :class:`~symflat.symbolic.depth_generic.DepthProof`. The matrix facts the
paper's proofs use are textbook rules, cited (as the matrix-calculus engine cites the Kronecker
rules) and listed in :data:`STANDARD`; everything with symbolic length m (products and sums over the
layers, powers, exponents) is established by induction with base and step decided by SymPy or z3,
and the scalar combining steps are decided by z3 (``symflat.precision.decide``).
"""

from __future__ import annotations

import functools

import sympy as sp

from symflat.precision.decide import decide_formula
from symflat.symbolic import depth_generic as DG
from symflat.symbolic.depth_generic import DepthProof, DerivationFailed, Step

#: textbook matrix facts used as rules (cited, not re-derived)
STANDARD = {
    "submultiplicative": "||A B||_2 <= ||A||_2 ||B||_2",
    "spectral-frobenius": "||A||_2 <= ||A||_F",
    "mixed-norm": "||A X C||_F <= ||A||_2 ||X||_F ||C||_2",
    "rank-one": "||x y^T||_2 = ||x y^T||_F = ||x|| ||y||",
    "rayleigh": "lambda_max(S) = max_{||x|| = 1} x^T S x for symmetric S",
    "diagonal-norm": "a rectangular diagonal matrix has ||D||_2 = max_i |D_ii|; orthogonal factors keep ||.||_2",
    "spectral-mapping": "a PSD matrix P has eig(P^m) = {lambda^m : lambda in eig(P)}",
    "rayleigh-equality": "a unit x with x^T S x = lambda_max(S), S symmetric, satisfies S x = lambda_max(S) x",
    "cauchy-schwarz": "|x^T y| <= ||x|| ||y||, with equality and x^T y > 0 only if x/||x|| = y/||y||",
}

m, k = sp.symbols("m k", integer=True, positive=True)


def decided(proof: DepthProof, name: str, goal, assumptions, statement: str) -> Step:
    """A scalar step ``assumptions => goal`` for all reals, decided by z3; a step z3 does not prove
    stops the derivation (``DerivationFailed``), never a guess."""
    res = decide_formula(goal, list(assumptions))
    if res.status != "proved":
        raise DerivationFailed(f"{proof.goal}: step '{name}' not proved by z3 ({res.status}: {res.reason or res.witness})")
    return proof._add(Step(name, statement, f"z3 {res.version}"))


@functools.cache
def monotone_product() -> Step:
    """``0 <= x_j <= y_j`` for every j implies ``0 <= prod x_j <= prod y_j``, for every length n
    (induction; the step ``0 <= P <= Q, 0 <= x <= y => 0 <= P x <= Q y`` decided by z3)."""
    P, Q, x, y = sp.symbols("P Q x y", real=True)
    res = decide_formula(sp.And(P * x >= 0, P * x <= Q * y), [P >= 0, P <= Q, x >= 0, x <= y])
    if res.status != "proved":
        raise DerivationFailed(f"monotone product: step not proved ({res.status})")
    return Step("monotone product", "0 <= x_j <= y_j (all j) => 0 <= prod_{j<=n} x_j <= prod_{j<=n} y_j (for every n >= 1)",
                f"induction on n: base trivial, step decided by z3 {res.version}")


@functools.cache
def submultiplicative_chain() -> Step:
    """``||M_n ... M_1||_2 <= prod_j ||M_j||_2`` for every length n: induction, the step
    ``N' <= s N, N <= Pi, s >= 0 => N' <= s Pi`` (N' the norm of the longer product, by the rule
    'submultiplicative') decided by z3."""
    N, N1, Pi, s = sp.symbols("N N1 Pi s", real=True)
    res = decide_formula(N1 <= s * Pi, [N1 <= s * N, N <= Pi, s >= 0, N >= 0])
    if res.status != "proved":
        raise DerivationFailed(f"submultiplicative chain: step not proved ({res.status})")
    return Step("norm of a product", "||M_n ... M_1||_2 <= prod_{j<=n} ||M_j||_2 (for every n >= 1)",
                f"induction on n with rule 'submultiplicative'; step decided by z3 {res.version}")


@functools.cache
def power_of_product() -> Step:
    """``(prod_j f_j)^2 = prod_j f_j^2`` for every length n (induction, SymPy)."""
    A, f = sp.symbols("A_n f", real=True)
    return DG.by_induction("square of a product", "(prod_{j<=n} f_j)^2 = prod_{j<=n} f_j^2",
                           base=f**2 - f**2, step=(A * f) ** 2 - A**2 * f**2)


def _root_monotone(proof: DepthProof, power) -> None:
    """``t -> t^power`` is increasing on ``[0, oo)`` (power > 0 with symbolic m): derivative > 0."""
    t = sp.Symbol("t", positive=True)
    proof.sign(f"t^({power}) increasing", sp.diff(t**power, t), "positive", assuming={}, why="monotone root")


def lemma4(factor=m) -> DepthProof:
    """Lemma 4 (eq. 22) for every m and all shapes d_k x d_{k-1}; ``factor`` is the constant in front of the right side
    (the paper's m; another value lets a test see the derivation fail)."""
    proof = DepthProof("Lemma 4: sum_k ||Psi_k||_F^2 >= m ||Psi_m...Psi_1||_2^(2/m), every m >= 1, all shapes")
    proof.use(submultiplicative_chain())
    proof.note("spectral <= Frobenius", "s_k = ||Psi_k||_2 <= ||Psi_k||_F = sqrt(a_k) (rule 'spectral-frobenius')")
    proof.use(monotone_product())                                  # p <= prod s_k <= prod sqrt(a_k)
    proof.use(power_of_product())                                  # p^2 <= (prod sqrt a_k)^2 = prod a_k
    p, Pi, A = sp.symbols("p Pi A", real=True)
    decided(proof, "square both sides", p**2 <= A, [p >= 0, p <= Pi, Pi**2 == A, Pi >= 0],
            "0 <= p <= Pi, Pi^2 = prod a_k => p^2 <= prod a_k")
    _root_monotone(proof, 1 / m)                                   # p^(2/m) <= (prod a_k)^(1/m)
    pp = sp.Symbol("p", nonnegative=True)
    proof.identity("(p^2)^(1/m) = p^(2/m)", sp.powdenest((pp**2) ** (1 / m)), pp ** (2 / m),
                   statement="(p^2)^(1/m) = p^(2/m) for p >= 0")
    proof.use(DG.am_gm())                                          # sum a_k >= m (prod a_k)^(1/m) when all a_k > 0
    G, S, q = sp.symbols("G S q", real=True)
    decided(proof, "combine", S >= factor * q, [S >= m * G, G >= q, q >= 0, m >= 1],
            "sum a_k >= m G, G = (prod a_k)^(1/m) >= p^(2/m) = q >= 0 => sum a_k >= m p^(2/m)")
    proof.note("a zero factor", "if some a_k = 0 then Psi_k = 0, the product is 0 and the right side is 0 <= sum a_k "
               "(a sum of non-negative terms); otherwise every a_k > 0 and AM-GM applies")
    return proof


def norm_power_bound() -> Step:
    """``||(B T^T)^j B||_2 <= b^(j+1) s^j`` (b = ||B||_2, s = ||T||_2) for every j >= 0: induction,
    step decided by z3 with rule 'submultiplicative' (the new factor B T^T has norm <= b s)."""
    N, N1, b, s, X = sp.symbols("N N1 b s X", real=True)
    res = decide_formula(N1 <= b * s * X, [N1 <= b * s * N, N <= X, b >= 0, s >= 0, N >= 0])
    if res.status != "proved":
        raise DerivationFailed(f"norm of (B T^T)^j B: step not proved ({res.status})")
    j = sp.Symbol("j", integer=True, nonnegative=True)
    if not DG.is_zero(b * s * (b ** (j + 1) * s**j) - b ** (j + 2) * s ** (j + 1)):
        raise DerivationFailed("norm of (B T^T)^j B: exponents of the step do not match")
    return Step("norm of (B T^T)^j B", "||(B T^T)^j B||_2 <= ||B||_2^(j+1) ||T||_2^j (every j >= 0)",
                f"induction on j: rule 'submultiplicative', step decided by z3 {res.version}, exponents by SymPy")


def rank_one_power() -> Step:
    """``(u v^T T^T)^j u v^T = sigma^j u v^T`` for every j >= 0 when ``T v = sigma u``, ``u^T u = 1``:
    induction with noncommutative symbols, both relations applied as rewrites."""
    u, vt, Tt, ut = sp.symbols("u v^T T^T u^T", commutative=False)
    s = sp.Symbol("sigma", positive=True)
    j = sp.Symbol("j", integer=True, nonnegative=True)
    step = sp.expand(u * vt * Tt * (s**j * u * vt)).subs(vt * Tt, s * ut).subs(ut * u, 1)
    if not DG.is_zero(sp.expand(step - s ** (j + 1) * u * vt)):
        raise DerivationFailed(f"(u v^T T^T)^j u v^T: step leaves {step - s ** (j + 1) * u * vt}")
    return Step("rank-one power", "(u v^T T^T)^j u v^T = sigma^j u v^T (every j >= 0), from v^T T^T = sigma u^T, u^T u = 1",
                "induction on j: base j = 0 trivial, step by noncommutative SymPy rewriting")


def eq26(exponent=2 * (1 - 1 / m)) -> DepthProof:
    """Eq. (26): with Sigma_x = I, max over ||B||_F = 1 of nu(B) is 2m sigma^exponent, exponent = 2(1-1/m), every m >= 1,
    all sizes (another exponent lets a test see the derivation fail)."""
    proof = DepthProof("eq. (26): max_{||B||_F=1} nu(B) = 2m sigma_max(T)^(2(1-1/m)) with Sigma_x = I, every m, all sizes")
    proof.use(norm_power_bound())
    bm, sm, N = sp.symbols("b_m s_m N", real=True)                # b_m = ||B||_2^m, s_m = sigma^(m-1)
    proof.note("||B||_2 <= 1", "||B||_2 <= ||B||_F = 1 (rule 'spectral-frobenius'); ||T||_2 = sigma_max(T) = sigma")
    proof.use(monotone_product())                                  # 0 <= ||B||_2^m <= 1^m = 1
    proof.use(DG.product_of_constant())
    decided(proof, "drop ||B||_2^m", N <= sm, [N <= bm * sm, bm >= 0, bm <= 1, sm >= 0],
            "N <= b_m s_m, 0 <= b_m <= 1, s_m >= 0 => N <= s_m, with b_m = ||B||_2^m, s_m = sigma^(m-1), N the norm in nu")
    _root_monotone(proof, 2 / m)
    sp_ = sp.Symbol("sigma", positive=True)
    value = 2 * m * sp_ ** exponent
    proof.identity("upper value", 2 * m * sp.powdenest((sp_ ** (m - 1)) ** (2 / m), force=True), value,
                   statement="2m (sigma^(m-1))^(2/m) = 2m sigma^(2(1-1/m)) (sigma > 0; at sigma = 0 both sides are 0 for m >= 2)")
    proof.use(rank_one_power())
    proof.note("attained", "B = u v^T has ||B||_F = ||u|| ||v|| = 1 and (B T^T)^(m-1) B = sigma^(m-1) u v^T, whose spectral "
               "norm is sigma^(m-1) (rule 'rank-one'), so nu(u v^T) equals the upper bound")
    return proof


def layer_gain_upper_bound(exponent=2 * (1 - 1 / m)) -> DepthProof:
    """At a point of Omega whose layers have ||W_k||_2 <= r = sigma_max(T)^(1/m), with Sigma_x = I: the objective of
    eq. (21) is <= 2 m r^(2(m-1)) = 2m sigma^(2(1-1/m)) for every ||B||_F = 1 (the argument of App. VIII, S98-S103)."""
    proof = DepthProof("||W_k||_2 <= sigma^(1/m) for all k, Sigma_x = I => lambda_max(H_w) <= 2m sigma^(2(1-1/m)), every m, all sizes")
    proof.use(submultiplicative_chain())
    proof.use(monotone_product())
    proof.use(DG.product_of_constant())
    proof.note("segment bounds", "||W_{m:k+1}||_2 <= r^(m-k), ||W_{k-1:1}||_2 <= r^(k-1) (the two rules above)")
    proof.note("term bound", "||W_{m:k+1}^T B W_{k-1:1}^T||_F <= ||W_{m:k+1}||_2 ||B||_F ||W_{k-1:1}||_2 (rule 'mixed-norm')")
    t, P, Q = sp.symbols("t P Q", real=True)
    decided(proof, "square the term bound", t**2 <= P**2 * Q**2, [t >= 0, t <= P * Q, P >= 0, Q >= 0],
            "0 <= t <= P Q (P, Q >= 0; ||B||_F = 1) => t^2 <= P^2 Q^2")
    r = sp.Symbol("r", positive=True)
    total = sp.Sum(r ** (2 * (m - k)) * r ** (2 * (k - 1)), (k, 1, m)).doit()
    proof.use(DG.sum_of_constant())
    proof.identity("sum over k", sp.simplify(total), m * r ** (2 * (m - 1)),
                   statement="sum_{k=1}^m r^(2(m-k)) r^(2(k-1)) = m r^(2(m-1)) (the summand does not depend on k)")
    sig = sp.Symbol("sigma", positive=True)
    proof.identity("value", 2 * m * sp.powdenest((sig ** (1 / m)) ** (2 * (m - 1)), force=True), 2 * m * sig ** exponent,
                   statement="2 m (sigma^(1/m))^(2(m-1)) = 2m sigma^(2(1-1/m))")
    proof.note("max over B", "each B with ||B||_F = 1 gives objective <= 2m sigma^(2(1-1/m)), so does the max, which is "
               "lambda_max(H_w) by eq. (21)")
    return proof


def first_order(premises: dict, goal) -> str:
    """Decide a combining step over uninterpreted points with z3: ``premises`` (name -> z3 formula) imply ``goal``.
    Returns the z3 version; raises ``DerivationFailed`` when the negation is not unsat."""
    import z3

    s = z3.Solver()
    for f in premises.values():
        s.add(f)
    s.add(z3.Not(goal))
    if s.check() != z3.unsat:
        raise DerivationFailed(f"combining step not decided by z3 ({s.check()})")
    return z3.get_version_string()


def omega_facts():
    """z3 vocabulary: points, Omega, lambda_max, the value L, a flattest-candidate point."""
    import z3

    Pt = z3.DeclareSort("Point")
    return dict(z3=z3, Pt=Pt, omega=z3.Function("in_Omega", Pt, z3.BoolSort()), lam=z3.Function("lambda_max", Pt, z3.RealSort()),
                L=z3.Real("L"), w=z3.Const("w", Pt), w2=z3.Const("w2", Pt))


def run(build, rules=(), **data) -> "Evidence":
    """Evidence of a derivation: ``proved`` with its steps, conditions and the cited matrix rules it used;
    ``open`` with the reason when a step was not established."""
    from symflat.claims import Evidence

    try:
        proof = build()
    except DerivationFailed as e:
        return Evidence.open(f"derivation stopped: {e}", reason=str(e))
    return proof.evidence(standard=[f"{r}: {STANDARD[r]}" for r in rules], **data)


# ----------------------------------------------------------------------------- combining steps (first order, z3)

def combine_eq25(premises=("eq-21", "eq-23", "eq-24")) -> str:
    """Eq. (25) from its steps, over an uninterpreted sort of matrices B: lambda_max is at least the objective f(B) of
    (21) at every unit B (eq. 21), f(B) >= g(B), the right side of (23) (eq. 23), and g(B) = nu(B) (eq. 24). Then
    lambda_max >= nu(B) for every unit B, hence >= their maximum. ``premises`` selects the steps assumed."""
    import z3

    Mat = z3.DeclareSort("Matrix")
    unit, f, g, nu = (z3.Function("unit", Mat, z3.BoolSort()), z3.Function("f", Mat, z3.RealSort()),
                      z3.Function("g", Mat, z3.RealSort()), z3.Function("nu", Mat, z3.RealSort()))
    lam, B = z3.Real("lambda_max"), z3.Const("B", Mat)
    facts = {"eq-21": z3.ForAll([B], z3.Implies(unit(B), lam >= f(B))), "eq-23": z3.ForAll([B], f(B) >= g(B)),
             "eq-24": z3.ForAll([B], g(B) == nu(B))}
    return first_order({p: facts[p] for p in premises}, z3.ForAll([B], z3.Implies(unit(B), lam >= nu(B))))


def combine_on_omega(goal: str, premises) -> str:
    """The argmin logic of Sec. 5 over uninterpreted points (L = 2m sigma^(2(1-1/m))):

    * ``"eq-28"``: lambda_max(w*) <= L (layer-gain bound), every point of Omega has lambda_max >= L (eqs. 25-26) and
      w* in Omega (eq. 27) give lambda_max(w*) = L;
    * ``"eq-29"``: the lower bound on Omega, w* in Omega, lambda_max(w*) = L give min_Omega lambda_max = L (attained);
    * ``"theorem-4"``: w in Omega with lambda_max(w) <= L (layer-gain bound) and the lower bound give w in argmin.

    ``premises`` names the facts assumed (a subset of "lower", "star-in-omega", "star-value", "star-upper",
    "w-in-omega", "w-upper")."""
    F = omega_facts()
    z3, omega, lam, L, w, w2 = F["z3"], F["omega"], F["lam"], F["L"], F["w"], F["w2"]
    ws = z3.Const("w_star", F["Pt"])
    facts = {"lower": z3.ForAll([w2], z3.Implies(omega(w2), lam(w2) >= L)), "star-in-omega": omega(ws),
             "star-value": lam(ws) == L, "star-upper": lam(ws) <= L, "w-in-omega": omega(w), "w-upper": lam(w) <= L}
    goals = {"eq-28": lam(ws) == L,
             "eq-29": z3.And(z3.ForAll([w2], z3.Implies(omega(w2), lam(w2) >= L)), z3.Exists([w2], z3.And(omega(w2), lam(w2) == L))),
             "theorem-4": z3.And(omega(w), z3.ForAll([w2], z3.Implies(omega(w2), lam(w) <= lam(w2))))}
    return first_order({p: facts[p] for p in premises}, goals[goal])


# ----------------------------------------------------------------------------- the construction (27), Omega (4), eq. (20)

def diagonal_chain(rank_fits=True) -> DepthProof:
    """The layers of (27) multiply to U S V^T, every depth m and widths with A1 (min_j d_j >= r = min(d_x, d_y)).

    D_j (d_j x d_{j-1}) has entries (D_j)_{il} = [i = l <= r] s_i^(1/m). Claim for k = 1..m: P_k = D_k ... D_1 has
    entries [i = l <= r] s_i^(k/m). Step: (D_{k+1} P_k)_{ij} = sum_{l=1}^{d_k} [i = l <= r] s_i^(1/m) [l = j <= r] s_j^(k/m);
    for i <= r the only term is l = i, which lies in 1..d_k because r <= d_k (A1), giving [i = j <= r] s_i^((k+1)/m);
    for i > r every term is 0. At k = m the entries are s_i, so U P_m V^T = U S V^T = T. ``rank_fits=False`` drops A1
    (a test sees the range step fail)."""
    proof = DepthProof("(27): W*_m ... W*_1 = U S V^T, every m >= 1 and widths with A1")
    i, r, dk = sp.symbols("i r d_k", integer=True, positive=True)
    decided(proof, "the surviving index lies in range", sp.And(1 <= i, i <= dk), [i >= 1, i <= r] + ([r <= dk] if rank_fits else []),
            "1 <= i <= r and r <= d_k (A1) => 1 <= i <= d_k: the term l = i is in the sum")
    s = sp.Symbol("s_i", positive=True)
    kk = sp.Symbol("k", integer=True, positive=True)
    proof.identity("exponents", s ** (1 / m) * s ** (kk / m), s ** ((kk + 1) / m),
                   statement="s_i^(1/m) s_i^(k/m) = s_i^((k+1)/m)")
    proof.identity("at k = m", s ** (m / m), s, statement="s_i^(m/m) = s_i")
    proof.note("induction on k", "base k = 1: P_1 = D_1; step as above; for i > r all entries vanish (both sides). "
               "Hence W*_m ... W*_1 = U D_m ... D_1 V^T = U S V^T (zero singular values stay 0)")
    return proof


def combine_eq4(premises=("square", "positive", "nonempty")) -> str:
    """Eq. (4): the global minimisers of l are exactly the w with W_m ... W_1 = T. Over uninterpreted points, with
    A(w) = W_{m:1} and q(w) = tr((A - T) Sigma_x (A - T)^T): l(w) = l0 + q(w) (eq. 3, completing the square), q >= 0
    with q(w) = 0 iff A(w) = T (Sigma_x positive definite), and some w* has A(w*) = T (A1, the construction (27))."""
    import z3

    Pt, Mat = z3.DeclareSort("Point"), z3.DeclareSort("Map")
    A, loss, q = z3.Function("A", Pt, Mat), z3.Function("l", Pt, z3.RealSort()), z3.Function("q", Pt, z3.RealSort())
    T, l0 = z3.Const("T", Mat), z3.Real("l0")
    w, w2, ws = z3.Const("w", Pt), z3.Const("w2", Pt), z3.Const("w_star", Pt)
    facts = {"square": z3.ForAll([w], loss(w) == l0 + q(w)),
             "positive": z3.ForAll([w], z3.And(q(w) >= 0, (q(w) == 0) == (A(w) == T))),
             "nonempty": A(ws) == T}
    is_min = lambda p: z3.ForAll([w2], loss(p) <= loss(w2))  # noqa: E731
    return first_order({p: facts[p] for p in premises}, z3.ForAll([w], is_min(w) == (A(w) == T)))


def eq20() -> DepthProof:
    """Eq. (20): lambda_max(2 Phi Phi^T) = lambda_max(2 Phi^T Phi) = max_{||b|| = 1} 2 ||Phi b||^2, any Phi (every size)."""
    proof = DepthProof("eq. (20): lambda_max(2 Phi Phi^T) = lambda_max(2 Phi^T Phi) = max_{||b||=1} 2||Phi b||^2, every size")
    P, Pt, x, y = sp.symbols("Phi Phi^T x y", commutative=False)
    lam = sp.Symbol("lambda", real=True)
    # Phi^T Phi x = lam x  =>  (Phi Phi^T)(Phi x) = Phi (Phi^T Phi x) = lam (Phi x), and symmetrically
    fwd = sp.expand((P * Pt) * (P * x)).subs(Pt * P * x, lam * x)
    bwd = sp.expand((Pt * P) * (Pt * y)).subs(P * Pt * y, lam * y)
    proof.identity("eigenvectors carried by Phi", fwd - lam * P * x, 0,
                   statement="Phi^T Phi x = lambda x => (Phi Phi^T)(Phi x) = lambda (Phi x)")
    proof.identity("eigenvectors carried by Phi^T", bwd - lam * Pt * y, 0,
                   statement="Phi Phi^T y = lambda y => (Phi^T Phi)(Phi^T y) = lambda (Phi^T y)")
    nx, l_, xx = sp.symbols("n_x l x_x", real=True)
    decided(proof, "nonzero image", nx > 0, [nx == l_ * xx, l_ > 0, xx > 0],
            "||Phi x||^2 = x^T Phi^T Phi x = lambda ||x||^2 > 0 for lambda > 0, x != 0: the image is an eigenvector")
    a, b = sp.symbols("a b", real=True)
    decided(proof, "equal maxima", sp.Eq(a, b), [a >= 0, b >= 0, sp.Implies(a > 0, b >= a), sp.Implies(b > 0, a >= b)],
            "both Gram matrices are PSD (top eigenvalues a, b >= 0); a positive eigenvalue of one is one of the other, so a = b")
    proof.note("Rayleigh", "lambda_max(2 Phi^T Phi) = max_{||b|| = 1} b^T 2 Phi^T Phi b = max 2 ||Phi b||^2 (rule 'rayleigh')")
    return proof


# ----------------------------------------------------------------------------- Kronecker identities P1-P3

def kronecker_identities(transpose_in_p1=True) -> DepthProof:
    """App. IV, P1-P3 at symbolic sizes, entrywise. Column-major vec puts entry (a, b) of a p x q matrix at position
    (b - 1) p + a, and A kron B (A p x q, B r x s) has entry A_ij B_kl at row (i - 1) r + k, column (j - 1) s + l.
    Both pairings are bijections onto 1..pq (z3: injective into range; equal finite sizes), so identities may be
    compared on index pairs: each side's entry is a sum over the same pairs whose summands SymPy shows equal, and a
    product of two sums is the double sum (distributivity, by induction on the length)."""
    import z3

    proof = DepthProof("P1-P3 (vec and Kronecker rules) at symbolic sizes")
    p, q, a, b, a2, b2 = z3.Ints("p q a b a2 b2")
    inr = lambda x, y: z3.And(x >= 1, x <= y)  # noqa: E731
    for name, bad in (("pair index injective", z3.And(inr(a, p), inr(b, q), inr(a2, p), inr(b2, q),
                                                        (b - 1) * p + a == (b2 - 1) * p + a2, z3.Or(a != a2, b != b2))),
                      ("pair index in range", z3.And(inr(a, p), inr(b, q), z3.Not(inr((b - 1) * p + a, p * q))))):
        s = z3.Solver()
        s.add(bad)
        if s.check() != z3.unsat:
            raise DerivationFailed(f"{proof.goal}: {name} not decided ({s.check()})")
        proof._add(Step(name, "(a, b) -> (b - 1) p + a on [1, p] x [1, q] " + name.split()[-1], f"z3 {z3.get_version_string()}"))
    M1, M2, M3, A, B, C, D = (sp.Function(n) for n in ("M1", "M2", "M3", "A", "B", "C", "D"))
    i, j, kk, ll, c, d = sp.symbols("i j k l c d", integer=True, positive=True)
    # P1: vec(M1 M2 M3)_(a,b) = sum_{c,d} M1_ac M2_cd M3_db; ((M3^T kron M1) vec M2)_(b,a) = sum_{(d,c)} (M3^T)_bd M1_ac M2_cd
    M3T = (lambda x, y: M3(y, x)) if transpose_in_p1 else M3  # a test drops the transpose of P1  # noqa: E731
    ia, ib = sp.symbols("a b", integer=True, positive=True)
    proof.identity("P1 summands", M1(ia, c) * M2(c, d) * M3(d, ib), M3T(ib, d) * M1(ia, c) * M2(c, d),
                   statement="M1_ac M2_cd M3_db = (M3^T)_bd M1_ac M2_cd over the same pairs (c, d)")
    proof.identity("P2 entries", A(i, j) * B(kk, ll), (lambda x, y: A(y, x))(j, i) * (lambda x, y: B(y, x))(ll, kk),
                   statement="((A kron B)^T)_((j,l),(i,k)) = A_ij B_kl = (A^T)_ji (B^T)_lk = (A^T kron B^T)_((j,l),(i,k))")
    Sf, g, Gn, Xn = sp.symbols("S_f g G_n X_n")
    proof._add(DG.by_induction("distributivity", "(sum_c f_c)(sum_{d<=n} g_d) = sum_{d<=n} sum_c f_c g_d", base=Sf * g - Sf * g,
                               step=sp.expand(Sf * (Gn + g)) - (Xn + Sf * g).subs(Xn, Sf * Gn)))
    proof.identity("P3 summands", A(i, c) * B(kk, d) * C(c, j) * D(d, ll), (A(i, c) * C(c, j)) * (B(kk, d) * D(d, ll)),
                   statement="((A kron B)(C kron D))_((i,k),(j,l)) = sum_{(c,d)} A_ic B_kd C_cj D_dl = (AC)_ij (BD)_kl")
    return proof


# ----------------------------------------------------------------------------- flattest minima: Lemmas S1, S2, Theorem 3

@functools.cache
def forced_equal_product() -> Step:
    """``x_j >= a > 0`` for every j and ``prod_{j<=n} x_j = a^n`` force every ``x_j = a`` (induction; step decided by
    z3 with A = a^n: ``P >= A > 0, x >= a > 0, P x = A a => x = a and P = A``)."""
    P, A, x, a = sp.symbols("P A x a", real=True)
    res = decide_formula(sp.And(sp.Eq(x, a), sp.Eq(P, A)), [P >= A, A > 0, x >= a, a > 0, sp.Eq(P * x, A * a)])
    if res.status != "proved":
        raise DerivationFailed(f"forced equal product: step not proved ({res.status})")
    return Step("forced equal product", "x_j >= a > 0 (all j), prod_{j<=n} x_j = a^n => x_j = a for every j (every n >= 1)",
                f"induction on n, step decided by z3 {res.version}")


def lemma_s1() -> DepthProof:
    """Lemma S1 at every flattest point, every depth and width, every T (including T = 0)."""
    proof = DepthProof("Lemma S1: ||q_k|| ||r_k|| = sigma^(1-1/m) for every k at every w in Omega_0 (Sigma_x = I), every m, widths, T")
    proof.note("value on Omega_0", "lambda_max(H_w) = L = 2m c, c = sigma^(2(m-1)/m), at every w in Omega_0 (eq. 29 and the "
               "definition (5) of Omega_0)")
    proof.note("rank-one terms", "with B = u v^T (||B||_F = 1), Psi_k = W_{m:k+1}^T u v^T W_{k-1:1}^T = q_k r_k^T, so "
               "a_k = ||Psi_k||_F^2 = ||q_k||^2 ||r_k||^2 (rule 'rank-one'), q_k = W_{m:k+1}^T u, r_k = W_{k-1:1} v")
    proof.use(rank_one_power())                                       # prod Psi_k = sigma^(m-1) u v^T (eq. 24, Sigma_x = I)
    for st in lemma4().steps:                                         # Lemma 4's chain for these Psi_k
        proof._add(st)
    S, G, c = sp.symbols("S G c", real=True)
    decided(proof, "squeeze", sp.And(sp.Eq(S, m * c), sp.Eq(G, c)), [2 * S <= 2 * m * c, S >= m * G, G >= c, c >= 0, m >= 1],
            "2 sum_k a_k <= lambda_max = 2 m c (eq. 21), sum_k a_k >= m G, G = (prod a_k)^(1/m) >= ||prod Psi_k||^(2/m) = c "
            "(Lemma 4's chain, eq. 24) => sum_k a_k = m c and G = c")
    proof.use(DG.nonnegative_sum())                                   # c = 0: sum a_k = 0 forces every a_k = 0
    proof.use(DG.am_gm())                                             # c > 0: G = c > 0, all a_k > 0, sum = m G: all equal G
    proof.note("every term equals c", "if c = 0 every a_k = 0 (sum of non-negative terms); if c > 0 then G = c > 0 makes every "
               "a_k > 0 and sum a_k = m G is AM-GM's equality case, so every a_k = G = c")
    sg = sp.Symbol("sigma", nonnegative=True)
    proof.identity("square root", sp.sqrt(sg ** (2 * (m - 1) / m)), sg ** ((m - 1) / m),
                   statement="sqrt(sigma^(2(m-1)/m)) = sigma^(1-1/m) for sigma >= 0")
    return proof


def alignment(r_exponent=(sp.Symbol("n", integer=True, positive=True) - 1) / m) -> DepthProof:
    """Lemma S2, Theorem 3 (i)-(ii) at every flattest point with T != 0, every depth and width (the normalised vectors
    are undefined at T = 0: there Phi = 0 on Omega_0, and Phi_k = W_{k-1:1}^T kron W_{m:k+1}^T = 0 forces r_k = 0 or
    q_k = 0 for every k). ``r_exponent`` is the claimed exponent of ||r_n|| over sigma ((n - 1)/m; another value lets a
    test see the induction fail)."""
    proof = DepthProof("Lemma S2 and Theorem 3 (i), (ii) at every w in Omega_0 with T != 0 (Sigma_x = I), every m and widths")
    for st in lemma_s1().steps:
        proof._add(st)
    u, vt, Lt, Rt, Tt = (sp.Symbol(n, commutative=False) for n in ("u", "v^T", "W_{m:k+1}^T", "W_{k:1}^T", "T^T"))
    sg = sp.Symbol("sigma", positive=True)
    inner = sp.expand((vt * Rt) * (Lt * u))                           # r_{k+1}^T q_k
    inner = inner.subs(Rt * Lt, Tt).subs(vt * Tt * u, sg)
    proof.identity("inner products", inner, sg, statement="r_{k+1}^T q_k = v^T W_{k:1}^T W_{m:k+1}^T u = v^T T^T u = sigma "
                   "(W_{m:k+1} W_{k:1} = T on Omega; T v = sigma u)")
    proof.note("Cauchy-Schwarz", "y_k = ||r_{k+1}|| ||q_k|| >= r_{k+1}^T q_k = sigma for k = 1..m-1 (rule 'cauchy-schwarz')")
    proof.identity("product of the y_k", (sg ** ((m - 1) / m)) ** m / (1 * 1), sg ** (m - 1),
                   statement="prod_{k<m} y_k = prod_{k<=m} ||q_k|| ||r_k|| / (||q_m|| ||r_1||) = (sigma^(1-1/m))^m / (||u|| ||v||) "
                   "= sigma^(m-1) (Lemma S1; q_m = u, r_1 = v)")
    proof.use(forced_equal_product(), needs=[DG.Condition(sp.Gt(sp.Symbol("sigma_max(T)"), 0), "T != 0")])
    proof.note("directions", "y_k = sigma = r_{k+1}^T q_k is Cauchy-Schwarz's equality case with a positive inner product: "
               "r_{k+1}/||r_{k+1}|| = q_k/||q_k|| (k = 1..m-1), i.e. Lemma S2 for 1 <= k <= m-1 and Theorem 3(ii); k = 0 and "
               "k = m: T^T u = sigma v and T v = sigma u (SVD of T)")
    n_, k_ = sp.symbols("n k", integer=True, positive=True)
    proof._add(DG.by_induction("norms of r_k", "||r_k|| = sigma^((k-1)/m), from ||r_1|| = ||v|| = 1 and "
                               "||r_{k+1}|| = sigma / ||q_k|| = sigma^(1/m) ||r_k||", base=sg ** r_exponent.subs(n_, 1) - 1,
                               step=sg / (sg ** ((m - 1) / m) / sg ** r_exponent) - sg ** r_exponent.subs(n_, n_ + 1),
                               conditions=[DG.Condition(sp.Gt(sp.Symbol("sigma_max(T)"), 0), "T != 0")]))
    proof.identity("norms of q_k", sg ** ((m - 1) / m) / sg ** ((k_ - 1) / m), sg ** (1 - k_ / m),
                   statement="||q_k|| = sigma^(1-1/m) / ||r_k|| = sigma^(1-k/m)")
    proof.identity("W_k on r_k", sg ** (k_ / m) / sg ** ((k_ - 1) / m), sg ** (1 / m),
                   statement="W_k rbar_k = r_{k+1} / ||r_k|| = (||r_{k+1}|| / ||r_k||) qbar_k = sigma^(1/m) qbar_k")
    proof.identity("W_k^T on q_k", sg ** (1 - (k_ - 1) / m) / sg ** (1 - k_ / m), sg ** (1 / m),
                   statement="W_k^T qbar_k = q_{k-1} / ||q_k|| = sigma^(1/m) qbar_{k-1} = sigma^(1/m) rbar_k")
    return proof


# ----------------------------------------------------------------------------- Lemma 1 (i)

def balanced_gains() -> DepthProof:
    """Lemma 1 (i), App. II (S5-S7): a balanced point of Omega (W_k W_k^T = W_{k+1}^T W_{k+1}, square layers) has
    sigma_max(W_k) = sigma_max(T)^(1/m) for every k, every depth m and width d."""
    proof = DepthProof("balanced (S5) and W_m ... W_1 = T => sigma_max(W_k) = sigma_max(T)^(1/m) for every k, every m, d")
    W, Wt, A, Pk = (sp.Symbol(n, commutative=False) for n in ("W", "W^T", "(W^T W)^k", "(W W^T)^(k+1)"))
    P = sp.Symbol("P")                                     # W W^T: powers of one matrix multiply like numbers
    kk = sp.Symbol("k", integer=True, nonnegative=True)
    regroup = W * A * (Wt * W) * Wt - (W * A * Wt) * (W * Wt)
    step = ((W * A * Wt) * (W * Wt)).subs(W * A * Wt, Pk)
    if not (regroup == 0 and step == Pk * W * Wt):
        raise DerivationFailed(f"{proof.goal}: the regrouping W (W^T W)^(k+1) W^T = [W (W^T W)^k W^T] W W^T failed")
    proof._add(DG.by_induction("W (W^T W)^k W^T = (W W^T)^(k+1)", "W (W^T W)^k W^T = (W W^T)^(k+1) (every k >= 0): regroup "
                               "W (W^T W)^(k+1) W^T = [W (W^T W)^k W^T] (W W^T) (noncommutative SymPy), then powers of W W^T",
                               base=P ** 1 - P, step=P ** (kk + 1) * P - P ** (kk + 2)))
    Wn, Wnt, G, Gk = (sp.Symbol(n, commutative=False) for n in ("W_{k+1}", "W_{k+1}^T", "W_k W_k^T", "(W_k W_k^T)^k"))
    lhs = (Wn * Gk * Wnt).subs(Gk, (Wnt * Wn) ** kk)        # hypothesis W_{k:1} W_{k:1}^T = (W_k W_k^T)^k, then (S5)
    if lhs != Wn * (Wnt * Wn) ** kk * Wnt:
        raise DerivationFailed(f"{proof.goal}: substituting (S5) failed")
    proof._add(DG.by_induction("W_{k:1} W_{k:1}^T = (W_k W_k^T)^k", "W_{k:1} W_{k:1}^T = (W_k W_k^T)^k (every k >= 1): "
                               "W_{k+1} (W_k W_k^T)^k W_{k+1}^T = W_{k+1} (W_{k+1}^T W_{k+1})^k W_{k+1}^T by (S5), = "
                               "(W_{k+1} W_{k+1}^T)^(k+1) by the rule above", base=G**1 - G,
                               step=lhs - Wn * (Wnt * Wn) ** kk * Wnt))
    s = sp.Symbol("sigma", nonnegative=True)
    proof.note("k = m", "T T^T = (W_m W_m^T)^m; for a PSD matrix the eigenvalues of its m-th power are the m-th powers of its "
               "eigenvalues (rule 'spectral-mapping'), and t -> t^m is increasing on [0, oo), so lambda_max(W_m W_m^T)^m = "
               "sigma_max(T)^2")
    proof.identity("the m-th root", sp.powdenest((s ** 2) ** (1 / m), force=True), s ** (2 / m),
                   statement="lambda^m = sigma^2, lambda >= 0 => lambda = sigma^(2/m), i.e. sigma_max(W_m) = sigma^(1/m)")
    proof.note("down the layers", "W_k W_k^T = W_{k+1}^T W_{k+1} (S5) has the top eigenvalue of W_{k+1} W_{k+1}^T (the two "
               "Gram matrices share their positive eigenvalues, eq. (20)'s derivation), so sigma_max(W_k) = sigma_max(W_{k+1}) "
               "for every k: all equal sigma^(1/m)")
    return proof


# ----------------------------------------------------------------------------- Theorem 1's eigenvector, Theorem 2 (i), (iii)
# (T != 0: at T = 0 both statements fail, see widened.py's zero-target claims; these derivations prove the corrected ones)

def theorem1_eigenvector() -> DepthProof:
    """Theorem 1 with T != 0: at every w in Omega_0, b = Phi(v kron u) != 0 and H_w b = 2m sigma^(2(1-1/m)) b."""
    proof = DepthProof("Theorem 1 (T != 0): H_w Phi(v kron u) = L Phi(v kron u), Phi(v kron u) != 0, every w in Omega_0, m, widths")
    for st in lemma_s1().steps:                                       # sum_k a_k = m c at B = u v^T
        proof._add(st)
    proof.note("a Rayleigh maximiser", "b' = vec(u v^T) = v kron u is a unit vector with b'^T (2 Phi^T Phi) b' = 2 ||Phi b'||^2 = "
               "2 sum_k a_k = 2 m c = L = lambda_max(2 Phi^T Phi) (eqs. 20-21, 29), so 2 Phi^T Phi b' = L b' (rule "
               "'rayleigh-equality')")
    P, Pt, b = (sp.Symbol(n, commutative=False) for n in ("Phi", "Phi^T", "b'"))
    L_ = sp.Symbol("L", positive=True)
    moved = sp.expand((2 * P * Pt) * (P * b)).subs(Pt * P * b, L_ / 2 * b)
    proof.identity("H maps Phi b' to L Phi b'", moved - L_ * P * b, 0,
                   statement="H (Phi b') = 2 Phi Phi^T Phi b' = Phi (2 Phi^T Phi b') = L (Phi b') (Lemma 3: H = 2 Phi Phi^T)")
    nb, c = sp.symbols("n_b c", real=True)
    decided(proof, "b != 0", nb > 0, [sp.Eq(2 * nb, 2 * m * c), c > 0, m >= 1],
            "||Phi b'||^2 = m c > 0, c = sigma^(2(1-1/m)) > 0 for sigma > 0")
    proof.note("T != 0", "sigma = sigma_max(T) > 0 is what keeps b away from 0",
               needs=[DG.Condition(sp.Gt(sp.Symbol("sigma_max(T)"), 0), "T != 0")])
    return proof


def theorem2_singular_vectors() -> DepthProof:
    """Theorem 2 (i), (iii) with T != 0: W_{k:1}^T W_{k:1} v = sigma^(2k/m) v and W_{m:k+1} W_{m:k+1}^T u =
    sigma^(2(1-k/m)) u for every k = 0..m, at every w in Omega_0."""
    proof = DepthProof("Theorem 2 (i), (iii) (T != 0): v, u singular vectors of W_{k:1}, W_{m:k+1} with values sigma^(k/m), "
                       "sigma^(1-k/m), every w in Omega_0, m, widths")
    for st in alignment().steps:
        proof._add(st)
    u, v, Lw, Lt, Rw, Rt, Tt, T = (sp.Symbol(n, commutative=False) for n in
                                   ("u", "v", "W_{m:k+1}", "W_{m:k+1}^T", "W_{k:1}", "W_{k:1}^T", "T^T", "T"))
    sg = sp.Symbol("sigma", positive=True)
    back = (Rt * Lt * u).subs(Rt * Lt, Tt).subs(Tt * u, sg * v)
    fwd = (Lw * Rw * v).subs(Lw * Rw, T).subs(T * v, sg * u)
    proof.identity("W_{k:1}^T q_k", back - sg * v, 0, statement="W_{k:1}^T q_k = W_{k:1}^T W_{m:k+1}^T u = T^T u = sigma v")
    proof.identity("W_{m:k+1} r_{k+1}", fwd - sg * u, 0, statement="W_{m:k+1} r_{k+1} = W_{m:k+1} W_{k:1} v = T v = sigma u")
    kk = sp.Symbol("k", integer=True, nonnegative=True)
    proof.identity("(i) value", sg ** (kk / m) / sg ** (1 - kk / m) * sg, sg ** (2 * kk / m),
                   statement="W_{k:1}^T W_{k:1} v = (||r_{k+1}|| / ||q_k||) W_{k:1}^T q_k = sigma^(k/m) / sigma^(1-k/m) sigma v "
                   "= sigma^(2k/m) v (Lemma S2: r_{k+1} = ||r_{k+1}|| qbar_k)")
    proof.identity("(iii) value", sg ** (1 - kk / m) / sg ** (kk / m) * sg, sg ** (2 * (1 - kk / m)),
                   statement="W_{m:k+1} W_{m:k+1}^T u = (||q_k|| / ||r_{k+1}||) W_{m:k+1} r_{k+1} = sigma^(2(1-k/m)) u")
    return proof


def theorem2_bounds(sharp=False) -> DepthProof:
    """Theorem 2 (ii), (iv) with T != 0 (S85-S91): sigma_max(W_{k:1}) <= sqrt(m) sigma^(k/m) and sigma_max(W_{m:k+1}) <=
    sqrt(m) sigma^(1-k/m) at every w in Omega_0. ``sharp=True`` claims sqrt(m - 1) for 1 <= k <= m - 1 (theorem-2-sharp's
    bounds: the term l = 1, resp. l = m, equals c = sigma^(2(1-1/m)) and is dropped as well)."""
    proof = DepthProof(f"Theorem 2 (ii), (iv) (T != 0): gains <= sqrt({'m - 1' if sharp else 'm'}) sigma^(k/m), every w in "
                       "Omega_0, m, widths")
    for st in theorem2_singular_vectors().steps:
        proof._add(st)
    proof.note("test matrix", "B = u y^T, y the top right singular vector of W_{k:1} (unit, so ||B||_F = 1): by eq. (21) "
               "lambda_max = 2 m c >= 2 sum_l ||q_l||^2 ||W_{l-1:1} y||^2 (rule 'rank-one'), with ||q_l|| = sigma^(1-l/m) by "
               "Theorem 2(iii); the term l = k + 1 is sigma^(2(1-(k+1)/m)) g^2, g = sigma_max(W_{k:1}); (iv) likewise with "
               "B = x v^T and ||r_l|| = sigma^((l-1)/m)")
    proof.use(DG.nonnegative_sum())
    t, S, M, g2, rho, first = sp.symbols("t S M g2 rho first", real=True)
    if sharp:
        decided(proof, "one term of the rest", t <= M - first, [t >= 0, t + first <= S, S <= M, first >= 0],
                "term l = k+1 and term l = 1 (= c) are distinct for k >= 1: t + c <= sum <= m c => t <= (m - 1) c")
    else:
        decided(proof, "one term", t <= M, [t >= 0, t <= S, S <= M], "0 <= t <= sum_l t_l <= m c => t <= m c")
    decided(proof, "divide", g2 <= M / rho, [g2 * rho <= M, rho > 0], "g^2 rho <= M, rho = sigma^(2(1-(k+1)/m)) > 0 => g^2 <= M / rho")
    sg = sp.Symbol("sigma", positive=True)
    kk = sp.Symbol("k", integer=True, nonnegative=True)
    proof.identity("exponent (ii)", sg ** (2 * (1 - 1 / m)) / sg ** (2 * (1 - (kk + 1) / m)), sg ** (2 * kk / m),
                   statement="c / sigma^(2(1-(k+1)/m)) = sigma^(2k/m)")
    proof.identity("exponent (iv)", sg ** (2 * (1 - 1 / m)) / sg ** (2 * (kk - 1) / m), sg ** (2 * (1 - kk / m)),
                   statement="c / sigma^(2(k-1)/m) = sigma^(2(1-k/m))")
    proof.note("square root", "t -> sqrt(t) is increasing: g <= sqrt(m) sigma^(k/m) (sqrt(m - 1) when sharp); k = m (resp. "
               "k = 0) is sigma_max(T) = sigma <= sqrt(m) sigma")
    return proof
