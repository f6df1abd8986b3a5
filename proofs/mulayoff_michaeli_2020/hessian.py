"""Lemma 3 (Hessian structure at global minima), its proof in App. IV (Kronecker properties P1-P3,
block form eq. 19), the block layout (18), and eqs. (20)-(21) of the proof outline (Sec. 5, App. V.3)."""

from __future__ import annotations

import numpy as np
import sympy as sp

from symflat.claims import Evidence
from symflat.numeric.objective import layer_product
from symflat.symbolic.deep_linear import phi_blocks_of, phi_of
from symflat.symbolic.params import vec

from . import paper

# shapes [d_x, d_1, ..., d_y]; the last two violate A1 (bottleneck narrower than min(d_x, d_y))
SHAPES = [[2, 2, 2], [2, 3, 2], [3, 2, 2], [2, 2, 3], [2, 2, 2, 2], [2, 3, 3, 2]]
BOTTLENECK = [[2, 1, 2], [3, 1, 2, 2]]


def _rational(rng, rows, cols, span=3):
    return sp.Matrix(rows, cols, lambda i, j: sp.Rational(int(rng.integers(-span, span + 1)), int(rng.integers(1, span + 1))))


def _spd_root(rng, d):
    """A rational symmetric positive definite R; Sigma_x = R^2 then has the exact square root R."""
    A = _rational(rng, d, d)
    return A * A.T + sp.eye(d)


def _point_in_omega(rng, dims):
    """Random rational weights, non-white Sigma_x = R^2, and Sigma_yx := P Sigma_x so that w lies in Omega (eq. 4)."""
    m = len(dims) - 1
    Ws = [_rational(rng, dims[j], dims[j - 1]) for j in range(1, m + 1)]
    R = _spd_root(rng, dims[0])
    return Ws, R


def symbolic_hessian(Ws, sx, syx) -> sp.Matrix:
    """Hessian of l = tr(Sigma_y) - 2 tr(P Sigma_yx^T) + tr(P Sigma_x P^T) by symbolic differentiation in all
    weights (column-major order of eq. 1), evaluated at ``Ws``."""
    m = len(Ws)
    syms = [sp.Matrix(W.rows, W.cols, sp.symbols(f"v{j}_0:{W.rows * W.cols}")) for j, W in enumerate(Ws, 1)]
    flat = [s for S in syms for s in S.T]            # S.T iterates S column by column
    P = syms[0]
    for S in syms[1:]:
        P = S * P
    l = -2 * (P * syx.T).trace() + (P * sx * P.T).trace()
    values = {s: v for S, W in zip(syms, Ws) for s, v in zip(S.T, W.T)}
    grad = [sp.diff(l, s) for s in flat]
    return sp.Matrix(len(flat), len(flat), lambda i, j: sp.diff(grad[i], flat[j]).subs(values))


@paper.lemma(
    "kron-properties", r"\operatorname{vec}(\mathbf M_1\mathbf M_2\mathbf M_3)=(\mathbf M_3^T\otimes\mathbf M_1)\operatorname{vec}(\mathbf M_2),\ (\mathbf M_1\otimes\mathbf M_2)^T=\mathbf M_1^T\otimes\mathbf M_2^T,\ (\mathbf M_1\otimes\mathbf M_2)(\mathbf M_3\otimes\mathbf M_4)=\mathbf M_1\mathbf M_3\otimes\mathbf M_2\mathbf M_4",
    where="App. IV", eq="P1-P3", cite="standard Kronecker-product identities")
def kron_identities():
    """Symbolic matrices of mixed shapes: all three identities hold entrywise."""
    M1 = sp.Matrix(2, 3, sp.symbols("a1:7"))
    M2 = sp.Matrix(3, 2, sp.symbols("b1:7"))
    M3 = sp.Matrix(2, 2, sp.symbols("c1:5"))
    M4 = sp.Matrix(2, 3, sp.symbols("d1:7"))
    ok = (sp.Matrix(vec(M1 * M2 * M3)) - sp.kronecker_product(M3.T, M1) * sp.Matrix(vec(M2))).expand().is_zero_matrix
    ok &= sp.kronecker_product(M1, M2).T == sp.kronecker_product(M1.T, M2.T)
    ok &= (sp.kronecker_product(M1, M3) * sp.kronecker_product(M2, M4) - sp.kronecker_product(M1 * M2, M3 * M4)).expand().is_zero_matrix
    if not ok:
        return Evidence.refuted("a Kronecker identity fails")
    return Evidence.certified("P1-P3 hold for symbolic 2x3, 3x2, 2x2, 2x3 matrices (column-major vec)", instances=1,
                              cases="M1 2x3, M2 3x2, M3 2x2, M4 2x3, entries symbolic", method="sympy")


@kron_identities.check
def kron_identities_general():
    """All sizes: entrywise with symbolic dimensions; the column-major and Kronecker index pairings are bijections
    (z3), summands agree (SymPy), and a product of finite sums is the double sum (induction)."""
    from ._general import kronecker_identities, run
    return run(kronecker_identities)


eq16 = paper.definition(
    "eq-16", r"\Phi_k=\Big(\prod_{j=1}^{k-1}\mathbf W_j\hat\Sigma_x^{\frac12}\Big)\otimes\Big(\prod_{i=k+1}^m\mathbf W_i\Big)^T,\quad \Phi=[\Phi_1^T,\dots,\Phi_m^T]^T",
    where="Sec. 4", eq="16", uses=["eq-14"], note="Phi_k is d_k d_{k-1} x d_x d_y; Sigma_x^{1/2} is the symmetric root.")

eq18 = paper.definition(
    "eq-18", r"\mathbf H_{\mathbf w}=\Big[\tfrac{\partial^2\ell}{\partial\mathbf w_i\partial\mathbf w_j}\Big]_{i,j=1}^m,\ \ \mathbf w_j=\operatorname{vec}(\mathbf W_j)",
    where="Sec. 5", eq="18", uses=["eq-1", "eq-2"], note="Denominator layout.")


@paper.equation(
    "eq-19", r"\mathbf w\in\Omega\ \Rightarrow\ \frac{\partial^2\ell(\mathbf w)}{\partial\mathbf w_i\partial\mathbf w_j}=2\Phi_i\Phi_j^T",
    where="Sec. 5, App. IV", eq="19, S33-S48", uses=["eq-16", "eq-18", "eq-4"], proof_uses=["kron-properties", "eq-4"],
    hypotheses=["full-rank"])
def eq19_blocks(ctx):
    """Exact: every (i, j) block of the symbolically differentiated Hessian at rational points of Omega (non-white
    Sigma_x = R^2) equals 2 Phi_i Phi_j^T."""
    rng = ctx.rng
    for dims in SHAPES[:4]:
        Ws, R = _point_in_omega(rng, dims)
        sx, P = R * R, layer_product(Ws, 1, len(Ws), dims[0])
        H = symbolic_hessian(Ws, sx, P * sx)
        blocks = phi_blocks_of(Ws, R)
        offs = [int(o) for o in np.cumsum([0] + [b.rows for b in blocks])]
        for i, Bi in enumerate(blocks):
            for j, Bj in enumerate(blocks):
                if H[offs[i]:offs[i + 1], offs[j]:offs[j + 1]] != 2 * Bi * Bj.T:
                    return Evidence.refuted(f"block ({i + 1},{j + 1}) differs for dims {dims}",
                                            counterexample={"dims": dims, "W": [str(W) for W in Ws], "R": str(R)})
    return Evidence.certified(f"exact rational instances, dims {SHAPES[:4]}: all blocks of the Hessian equal 2 Phi_i Phi_j^T",
                           instances=4, cases=[str(s) for s in SHAPES[:4]], seed=ctx.seed, method="sympy differentiation")


@eq19_blocks.check
def eq19_general():
    """Every depth m, widths and moments: the Hessian block of the loss (2) in vec/Kronecker form, for generic
    layers i < j, i > j and i = j (symflat.symbolic.matrix_calculus), equals 2 Phi_i Phi_j^T on Omega."""
    from symflat.symbolic.matrix_calculus import prove_hessian_factorisation
    proof = prove_hessian_factorisation()
    return proof.evidence("for every depth m, all widths and moments: the mixed second derivative of (2) in layers i, j, "
                          "turned into a Kronecker block by vec(AXB) = (B^T kron A) vec X, equals 2 Phi_i Phi_j^T for "
                          "generic i < j and i > j once W_{m:1} Sigma_x = Sigma_yx (Omega with Sigma_x invertible: W_{m:1} = T), "
                          "and for i = j everywhere")


def _factorisation_failure(rng, shapes):
    """The first ``(dims, Ws)`` at whose random rational point of Omega (non-white Sigma_x) the
    differentiated Hessian differs from 2 Phi Phi^T, or None when it matches for every shape."""
    for dims in shapes:
        Ws, R = _point_in_omega(rng, dims)
        sx, P = R * R, layer_product(Ws, 1, len(Ws), dims[0])
        Phi = phi_of(Ws, R)
        if symbolic_hessian(Ws, sx, P * sx) != 2 * Phi * Phi.T:
            return dims, Ws
    return None


@paper.lemma(
    "lemma-3", r"\text{A1},\ \mathbf w\in\Omega\ \Rightarrow\ \mathbf H_{\mathbf w}=2\Phi\Phi^T",
    where="Sec. 4, App. IV", eq="15, 16, S49", uses=["eq-16", "eq-4"], proof_uses=["eq-19"], hypotheses=["a1", "full-rank"])
def lemma3_exact(ctx):
    """Exact: the full symbolic Hessian at rational points of Omega equals 2 Phi Phi^T (non-white data, several shapes)."""
    bad = _factorisation_failure(ctx.rng, SHAPES)
    if bad:
        dims, Ws = bad
        return Evidence.refuted(f"H != 2 Phi Phi^T for dims {dims}", counterexample={"dims": dims, "W": [str(W) for W in Ws]})
    return Evidence.certified(f"exact rational points of Omega with non-white Sigma_x, dims {SHAPES}: H_w = 2 Phi Phi^T",
                           instances=len(SHAPES), cases=[str(s) for s in SHAPES], seed=ctx.seed,
                           method="sympy differentiation")


@lemma3_exact.check
def lemma3_symbolic_engine(ctx):
    """Independent implementation: the symbolic engine differentiates the loss of eq. (2) and
    compares with its own 2 Phi Phi^T at exact random points of Omega, for a generic rational
    Sigma_x (no rational square root, so Phi carries a Cholesky root with radicals)."""
    from symflat.models import DeepLinear, Moments
    from symflat.symbolic import factorisation_identity, random_minimum

    rng = ctx.rng
    for dims in SHAPES:
        d = dims[0]
        A = _rational(rng, d, d)
        sigma_x = A * A.T + sp.eye(d)
        model = DeepLinear(dims)
        data = Moments(sigma_x, _rational(rng, dims[-1], d) * sigma_x)
        point = random_minimum(model, data, rng)
        result = factorisation_identity(model, data, point)
        if not result.holds:
            return Evidence.refuted(f"symbolic engine: H != 2 Phi Phi^T for dims {dims}",
                                    counterexample={"dims": dims, "Sigma_x": str(sigma_x.tolist()), "W": [str(W.tolist()) for W in point]})
        if not result.proved:  # decided only probabilistically: say so
            return Evidence.checked(f"symbolic engine, dims {dims}: zero at {result.points} random exact points per entry "
                                    f"({result.method})", instances=1, cases=str(dims),
                                    seed=ctx.seed, method="random rational points")
    return Evidence.certified(f"symbolic engine, exact random points of Omega with generic Sigma_x, dims {SHAPES}: "
                              "the differentiated Hessian equals 2 Phi Phi^T entry by entry", instances=len(SHAPES),
                              cases=[str(s) for s in SHAPES], seed=ctx.seed, method="symflat.symbolic.factorisation_identity")


@lemma3_exact.check
def lemma3_general():
    """Every depth, width and data: all blocks (i < j, i > j, i = j) equal 2 Phi_i Phi_j^T on Omega, so the block
    matrix H_w equals 2 Phi Phi^T with Phi = [Phi_1^T, ..., Phi_m^T]^T (eq. 19 assembled); A1 is not used."""
    from symflat.symbolic.matrix_calculus import prove_hessian_factorisation
    proof = prove_hessian_factorisation()
    return proof.evidence("H_w = 2 Phi Phi^T on Omega for every depth m, widths and moments: each block (i, j) equals "
                          "2 Phi_i Phi_j^T (generic layers i < j, i > j, i = j, symbolic sizes; Kronecker rewriting), and a "
                          "block matrix is determined by its blocks; A1 is not needed (it only makes Omega nonempty)")


@paper.remark(
    "lemma-3-without-capacity", r"\mathbf w\in\Omega\ \Rightarrow\ \mathbf H_{\mathbf w}=2\Phi\Phi^T\ \text{also when A1 fails (with }\mathbf T\ \text{of low rank)}",
    where="Sec. 4 (ours)", uses=["lemma-3"], hypotheses=["full-rank"],
    note="Ours: what A1 buys in Lemma 3. The proof (App. IV) only uses w in Omega; A1 only guarantees that Omega is "
         "nonempty for every T.")
def lemma3_bottleneck(ctx):
    bad = _factorisation_failure(ctx.rng, BOTTLENECK)
    if bad:
        dims, Ws = bad
        return Evidence.refuted(f"H != 2 Phi Phi^T for bottleneck dims {dims}", counterexample={"dims": dims, "W": [str(W) for W in Ws]})
    return Evidence.certified(f"exact rational points of Omega for bottleneck dims {BOTTLENECK} (A1 fails): H_w = 2 Phi Phi^T",
                           instances=len(BOTTLENECK), cases=[str(s) for s in BOTTLENECK], seed=ctx.seed,
                           method="sympy differentiation")


@lemma3_bottleneck.check
def lemma3_bottleneck_general():
    """The general derivation of Lemma 3 uses no width condition: only W_{m:1} Sigma_x = Sigma_yx on Omega."""
    from symflat.symbolic.matrix_calculus import prove_hessian_factorisation
    return prove_hessian_factorisation().evidence(
        "for every depth m and all widths, including bottlenecks narrower than rank T: each Hessian block equals "
        "2 Phi_i Phi_j^T once W_{m:1} Sigma_x = Sigma_yx (the derivation never uses A1; where Omega is empty the claim is vacuous)")


@paper.remark(
    "remark-hessian-rank", r"\mathbf w\in\Omega:\ \operatorname{rank}\mathbf H_{\mathbf w}\le d_xd_y,\ \ d_x=d_y=d\Rightarrow\ \dim(\text{valley})\ge(1-\tfrac1m)N",
    where="Sec. 4, after Lemma 3", uses=["lemma-3"], proof_uses=["lemma-3"], hypotheses=["a1", "full-rank"])
def hessian_rank(ctx):
    rng = ctx.rng
    for dims in SHAPES:
        Ws, R = _point_in_omega(rng, dims)
        H = 2 * phi_of(Ws, R) * phi_of(Ws, R).T
        N, m, dx, dy = H.rows, len(Ws), dims[0], dims[-1]
        if H.rank() > dx * dy:
            return Evidence.refuted(f"rank {H.rank()} > d_x d_y for dims {dims}")
        if dx == dy and N - H.rank() < (1 - sp.Rational(1, m)) * N:
            return Evidence.refuted(f"null space smaller than (1 - 1/m) N for dims {dims}")
    return Evidence.certified(f"exact ranks at rational points of Omega, dims {SHAPES}: rank H <= d_x d_y, and the null space "
                           "has dimension >= (1 - 1/m) N when d_x = d_y", instances=len(SHAPES), cases=[str(s) for s in SHAPES],
                           seed=ctx.seed, method="exact rank")


@hessian_rank.check
def hessian_rank_general():
    """Every depth and width: H = 2 Phi Phi^T (Lemma 3) with every block Phi_k of d_x d_y columns (shape read off the
    engine's Kronecker form), so rank H <= d_x d_y; under A1 with d_x = d_y = d each d_k d_(k-1) >= d^2, so N >= m d^2
    and the null space, of dimension N - rank H >= N - d^2, has dimension >= (1 - 1/m) N."""
    from symflat.symbolic.matrix_calculus import LayerChain, MomentSymbols, phi_block
    ch = LayerChain("W", "m", ("k",))
    cols = {sp.expand(lc * rc) for _, _, lc, _, _, rc, _, _ in phi_block(ch, MomentSymbols(ch), ch["k"]).items()}
    if cols != {ch.d[0] * ch.d[ch.depth]}:
        return Evidence.open(f"Phi_k does not have d_x d_y columns: {cols}")
    d, a, b, N, m = sp.symbols("d a b N m", nonnegative=True)
    term = sp.expand((d + a) * (d + b) - d**2)                  # d_k = d + a, d_(k-1) = d + b under A1
    gap = sp.expand((N - d**2 - (1 - 1 / m) * N).subs(N, m * d**2 + sp.Symbol("s", nonnegative=True)) * m)
    if not (term.is_nonnegative and gap.is_nonnegative):
        return Evidence.open(f"sign not decided: {term}, {gap}")
    return Evidence.proved("for every depth m and widths: H = 2 Phi Phi^T (Lemma 3) and Phi has d_x d_y columns (each Phi_k "
                           "is (W_{k-1:1} Sigma_x^{1/2}) kron W_{m:k+1}^T, symbolic shape), so rank H <= d_x d_y; with "
                           "d_x = d_y = d and A1, d_k d_(k-1) - d^2 = d(a + b) + ab >= 0, so N = N' + m d^2 with N' >= 0 and "
                           "m (N - d^2 - (1 - 1/m) N) = N' >= 0", method="matrix calculus + sympy signs")


@paper.equation(
    "eq-20", r"\lambda_{\max}(\mathbf H_{\mathbf w})=\lambda_{\max}(\hat{\mathbf H}_{\mathbf w})=\max_{\|\mathbf b\|=1}2\|\Phi\mathbf b\|^2,\quad \hat{\mathbf H}_{\mathbf w}=2\Phi^T\Phi",
    where="Sec. 5, App. V.3", eq="20, S54", uses=["lemma-3"], proof_uses=["lemma-3"], hypotheses=["a1", "full-rank"])
def eq20_same_spectrum(ctx):
    """Exact: x^(N - n) charpoly(2 Phi^T Phi)(x) = charpoly(2 Phi Phi^T)(x), so the nonzero spectra coincide."""
    rng = ctx.rng
    x = sp.Symbol("x")
    for dims in SHAPES[:5]:
        Ws, R = _point_in_omega(rng, dims)
        Phi = phi_of(Ws, R)
        big, small = (2 * Phi * Phi.T).charpoly(x).as_expr(), (2 * Phi.T * Phi).charpoly(x).as_expr()
        if sp.expand(big - x ** (Phi.rows - Phi.cols) * small) != 0:
            return Evidence.refuted(f"spectra differ for dims {dims}")
    return Evidence.certified(f"exact characteristic polynomials at rational points of Omega, dims {SHAPES[:5]}",
                           instances=5, cases=[str(s) for s in SHAPES[:5]], seed=ctx.seed, method="sympy charpoly")


@eq20_same_spectrum.check
def eq20_general():
    """Every size and point of Omega: with H = 2 Phi Phi^T (Lemma 3), Phi maps eigenvectors of Phi^T Phi with a positive
    eigenvalue to eigenvectors of Phi Phi^T with the same eigenvalue and Phi^T maps them back (noncommutative SymPy),
    both Gram matrices are PSD, so their top eigenvalues agree (z3); the Rayleigh quotient gives the max form."""
    from ._general import eq20, run
    return run(eq20, ["rayleigh"])


@paper.equation(
    "eq-21", r"\lambda_{\max}(\mathbf H_{\mathbf w})=\max_{\|\mathbf B\|_F=1}2\sum_{k=1}^m\Big\|\Big(\prod_{i=k+1}^m\mathbf W_i\Big)^T\mathbf B\hat\Sigma_x^{\frac12}\Big(\prod_{j=1}^{k-1}\mathbf W_j\Big)^T\Big\|_F^2",
    where="Sec. 5, App. V.3", eq="21, S55-S56", uses=["eq-20", "eq-16"], proof_uses=["eq-20", "kron-properties"],
    hypotheses=["a1", "full-rank"], note="b = vec(B), B is d_y x d_x.")
def eq21_kron_rewrite(ctx):
    """Exact identity in a symbolic B: ||Phi vec(B)||^2 = sum_k ||P_{>k}^T B Sigma^{1/2} P_{<k}^T||_F^2."""
    rng = ctx.rng
    for dims in SHAPES[:5]:
        Ws, R = _point_in_omega(rng, dims)
        m, dx, dy = len(Ws), dims[0], dims[-1]
        B = sp.Matrix(dy, dx, sp.symbols(f"b0:{dx * dy}", real=True))
        v = phi_of(Ws, R) * sp.Matrix(vec(B))
        lhs = (v.T * v)[0]
        rhs = sum(sum(e**2 for e in layer_product(Ws, k + 1, m, dy).T * B * R * layer_product(Ws, 1, k - 1, dx).T) for k in range(1, m + 1))
        if sp.expand(lhs - rhs) != 0:
            return Evidence.refuted(f"identity fails for dims {dims}")
    return Evidence.certified(f"exact polynomial identity in the entries of B at rational points of Omega, dims {SHAPES[:5]}",
                           instances=5, cases=[str(s) for s in SHAPES[:5]], seed=ctx.seed, method="sympy")


@eq21_kron_rewrite.check
def eq21_general():
    """Every depth, layer and width: Phi_k vec(B) = vec(P_{>k}^T B Sigma^{1/2} P_{<k}^T) by the vec/Kronecker rules at
    symbolic size; with ||Phi b||^2 = sum_k ||Phi_k b||^2 and ||vec B|| = ||B||_F, eq. (20) becomes (21)."""
    from symflat.symbolic.matrix_calculus import prove_phi_action
    return prove_phi_action().evidence(
        "given eq. (20), for every depth m and widths: b = vec(B) ranges over the unit sphere exactly when ||B||_F = 1, "
        "||Phi b||^2 = sum_k ||Phi_k b||^2 (Phi stacks the Phi_k), and Phi_k vec(B) = vec(W_{m:k+1}^T B Sigma_x^{1/2} "
        "W_{k-1:1}^T) for a generic layer k at symbolic sizes (vec(AXB) = (B^T kron A) vec X)")
