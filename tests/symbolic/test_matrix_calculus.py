"""Tests of the dimension-free matrix calculus (symflat.symbolic.matrix_calculus).

Identities are checked at symbolic sizes against hand derivations (The Matrix Cookbook,
Petersen & Pedersen 2012, example numbers as in SymPy's own ``test_derivatives.py``) and against
SymPy's ``MatrixExpr.diff``; the general Hessian blocks are cross-checked, exactly, against the
explicit-size engine (``symflat.symbolic.derive``) at a few sizes. The cross-checks are tests,
not the proofs.
"""

import numpy as np
import pytest
import sympy as sp

from symflat.claims import Status
from symflat.models import DeepLinear, Moments as DataMoments
from symflat.symbolic import derive, random_minimum
from symflat.symbolic.matrix_calculus import (
    GeneralProof,
    Instance,
    KronPoly,
    LayerChain,
    MatPoly,
    MatrixCalculusError,
    MomentSymbols,
    Relation,
    Rules,
    TracePoly,
    check_equal,
    commutation_matrix,
    derivative,
    equal,
    first_variation_term,
    from_sympy,
    gradient,
    hessian_block,
    matrix,
    omega,
    phi_block,
    product_first_variation,
    product_second_variation,
    prove_hessian_factorisation,
    prove_homogeneous_balancedness,
    prove_linear_balancedness,
    prove_pattern_second_variation,
    prove_phi_action,
    prove_second_variation_chain_rule,
    prove_telescoping_product,
    square_loss,
    substitute,
    vec_operator,
)

k, n, p, q = sp.symbols("k n p q", integer=True, positive=True)
X = sp.MatrixSymbol("X", k, k)
A = sp.MatrixSymbol("A", k, k)
B = sp.MatrixSymbol("B", k, k)
C = sp.MatrixSymbol("C", k, k)

# (Cookbook example, f(X), d f / d X by hand), all square k x k at symbolic k
COOKBOOK = [
    (100, sp.Trace(X * A), A.T),
    (101, sp.Trace(A * X * B), A.T * B.T),
    (102, sp.Trace(A * X.T * B), B * A),
    (103, sp.Trace(X.T * A), A),
    (104, sp.Trace(A * X.T), A),
    (106, sp.Trace(X**2), 2 * X.T),
    (107, sp.Trace(X**2 * B), (X * B + B * X).T),
    (108, sp.Trace(X.T * B * X), B * X + B.T * X),
    (109, sp.Trace(B * X * X.T), B * X + B.T * X),
    (110, sp.Trace(X * X.T * B), B * X + B.T * X),
    (111, sp.Trace(X * B * X.T), X * B.T + X * B),
    (112, sp.Trace(B * X.T * X), X * B.T + X * B),
    (113, sp.Trace(X.T * X * B), X * B.T + X * B),
    (114, sp.Trace(A * X * B * X), A.T * X.T * B.T + B.T * X.T * A.T),
    (115, sp.Trace(X.T * X), 2 * X),
    (116, sp.Trace(B.T * X.T * C * X * B), C.T * X * B * B.T + C * X * B * B.T),
    (117, sp.Trace(X.T * B * X * C), B * X * C + B.T * X * C.T),
    (118, sp.Trace(A * X * B * X.T * C), A.T * C.T * X * B.T + C * A * X * B),
    (119, sp.Trace((A * X * B + C) * (A * X * B + C).T), 2 * A.T * (A * X * B + C) * B.T),
]


class TestCookbookGradients:
    @pytest.mark.parametrize("number, f, grad", COOKBOOK, ids=[f"cookbook-{c[0]}" for c in COOKBOOK])
    def test_against_hand_derivation_and_sympy(self, number, f, grad):
        ours = gradient(from_sympy(f), from_sympy(X))
        assert equal(ours, from_sympy(grad)), f"Cookbook example {number}"
        assert equal(ours, from_sympy(f.diff(X))), f"SymPy's diff, example {number}"

    def test_rectangular_sizes(self):
        """Cookbook 101 and 119 with A: p x n, X: n x q, B: q x p (every size symbolic)."""
        Ar, Xr, Br = sp.MatrixSymbol("A", p, n), sp.MatrixSymbol("X", n, q), sp.MatrixSymbol("B", q, p)
        assert equal(gradient(from_sympy(sp.Trace(Ar * Xr * Br)), from_sympy(Xr)), from_sympy(Ar.T * Br.T))
        Cr = sp.MatrixSymbol("C", p, p)
        f = sp.Trace((Ar * Xr * Br + Cr) * (Ar * Xr * Br + Cr).T)
        assert equal(gradient(from_sympy(f), from_sympy(Xr)), from_sympy(2 * Ar.T * (Ar * Xr * Br + Cr) * Br.T))

    def test_wrong_gradient_is_not_accepted(self):
        ours = gradient(from_sympy(sp.Trace(A * X * B)), from_sympy(X))
        assert not equal(ours, from_sympy(B.T * A.T))         # the classic slip (math.SE 2170842)

    def test_symmetric_declaration(self):
        """Cookbook 108 with B symmetric: 2 B X."""
        ours = gradient(from_sympy(sp.Trace(X.T * B * X), symmetric=[B]), from_sympy(X))
        assert equal(ours, from_sympy(2 * B * X, symmetric=[B]))
        assert not equal(gradient(from_sympy(sp.Trace(X.T * B * X)), from_sympy(X)), from_sympy(2 * B * X))


class TestNormalForm:
    def test_trace_rotation_and_transpose(self):
        assert equal(from_sympy(sp.Trace(A * B * C)), from_sympy(sp.Trace(C * A * B)))
        assert equal(from_sympy(sp.Trace(A * B)), from_sympy(sp.Trace(B.T * A.T)))
        assert not equal(from_sympy(sp.Trace(A * B * C)), from_sympy(sp.Trace(A * C * B)))
        assert not equal(from_sympy(sp.Trace(A * B)), from_sympy(sp.Trace(A.T * B)))

    def test_trace_of_identity_is_its_size(self):
        assert equal(from_sympy(sp.Trace(sp.Identity(n))), from_sympy(n))
        ch = LayerChain("W", "m", ("k",))
        kk = ch["k"]
        empty = MatPoly.atom(ch.segment_atom(kk - 1, kk))           # W_{k-1:k} = I_{d_{k-1}}, kept as a symbol
        assert equal(empty.trace(), TracePoly({(): ch.d[kk - 1]}))
        Am, Bm = matrix("A", n, n), matrix("B", n, n)
        rules = Rules([Relation.of(Am @ Bm, MatPoly.identity(n), "A B = I")])
        assert (Am @ Bm).trace().normal(rules).to_sympy() == n

    def test_relation_with_its_transpose(self):
        """Solution-set rewriting: X^T X w = X^T y also rewrites w^T X^T X = y^T X."""
        Xm, y, w = matrix("X", n, p), matrix("y", n, 1), matrix("w", p, 1)
        rules = Rules([Relation.of(Xm.T @ Xm @ w, Xm.T @ y, "normal equations")])
        assert (Xm.T @ Xm @ w - Xm.T @ y).is_zero(rules)
        assert (w.T @ Xm.T @ Xm - y.T @ Xm).is_zero(rules)
        assert not (Xm.T @ Xm @ w - Xm.T @ y).is_zero()

    def test_substitute(self):
        """Substituting Delta := D dW in tr(A Delta^T) gives tr(A dW^T D^T); a wrong shape is refused."""
        Am, Dl, Dm, dW = matrix("A", n, p), matrix("Delta", n, p), matrix("D", n, n), matrix("dW", n, p)
        out = substitute((Am @ Dl.T).trace(), {Dl: Dm @ dW})
        assert equal(out, (Am @ dW.T @ Dm.T).trace())
        with pytest.raises(MatrixCalculusError, match="substitute"):
            substitute(Am, {Dl: dW.T})

    def test_bad_shapes_and_input(self):
        with pytest.raises(MatrixCalculusError, match="columns against"):
            matrix("A", n, p) @ matrix("B", n, p)
        with pytest.raises(MatrixCalculusError, match="non-square"):
            matrix("A", n, p).trace()
        with pytest.raises(MatrixCalculusError, match="unsupported matrix expression"):
            from_sympy(sp.Inverse(A))
        with pytest.raises(MatrixCalculusError, match="one matrix symbol"):
            gradient(from_sympy(sp.Trace(A * B)), from_sympy(A * B))
        with pytest.raises(MatrixCalculusError, match="one product"):
            Relation.of(matrix("A", n, n) + matrix("B", n, n), matrix("C", n, n))


class TestLayerChain:
    def test_segment_relations(self):
        ch = LayerChain("W", "m", ("k",))
        m, kk = ch.depth, ch["k"]
        assert equal(ch.segment(m, kk + 1) @ ch.layer(kk) @ ch.segment(kk - 1, 1), ch.product())
        assert equal(ch.layer(kk).T @ ch.segment(m, kk + 1).T, ch.segment(m, kk).T)
        with pytest.raises(MatrixCalculusError, match="columns against"):     # W_k left out: not conformable
            ch.segment(m, kk + 1) @ ch.segment(kk - 1, 1)
        assert not equal((ch.segment(m, kk).T @ ch.segment(m, kk)).trace(),
                         (ch.segment(m, kk + 1).T @ ch.segment(m, kk + 1)).trace())
        assert ch.segment(kk - 1, kk).items()[0][0] == ()          # W_{k-1:k} is the identity

    def test_generic_factor_derivative(self):
        """D_{W_k} W_{m:1} [Delta] = W_{m:k+1} Delta W_{k-1:1}; layers outside a segment give 0."""
        ch = LayerChain("W", "m", ("i", "j"))
        m, i, j = ch.depth, ch["i"], ch["j"]
        d = ch.direction(j)
        assert equal(derivative(ch.product(), ch.layer(j), d), first_variation_term(ch, m, j))
        assert derivative(ch.segment(i, 1), ch.layer(j), d).is_zero()

    def test_undecidable_position_is_reported(self):
        ch = LayerChain("W", "m", ("i", "j"))
        other = sp.Symbol("r", integer=True, positive=True)
        with pytest.raises(MatrixCalculusError, match="cannot decide"):
            derivative(ch.segment(ch["j"], ch["i"]), ch.layer(other), ch.direction(other))

    def test_segment_of_unprovable_length_is_refused(self):
        ch = LayerChain("W", "m", ("i", "j"))
        r = sp.Symbol("r", integer=True, positive=True)
        with pytest.raises(MatrixCalculusError, match="does not follow"):
            ch.segment(r, ch["i"])                          # r >= i - 1 is not known
        with pytest.raises(MatrixCalculusError, match="does not follow"):
            ch.segment(ch["i"], ch["j"] + 1)                # i < j: provably negative length

    def test_bad_name(self):
        with pytest.raises(MatrixCalculusError, match="identifier"):
            LayerChain("W 1")
        with pytest.raises(MatrixCalculusError, match="new identifier"):
            LayerChain("W", "m", ("i", "i"))
        with pytest.raises(MatrixCalculusError, match="positive integer step"):
            LayerChain("W", "m", ("k", ("l", 0)))

    def test_variable_must_be_a_layer_or_a_plain_symbol(self):
        ch = LayerChain("W", "m", ("k",))
        with pytest.raises(MatrixCalculusError, match="one layer"):
            derivative(ch.product(), ch.segment(ch["k"], 1), matrix("D", ch.d[ch["k"]], ch.d[0]))
        S = matrix("S", n, n, symmetric=True)
        with pytest.raises(MatrixCalculusError, match="symmetric"):
            gradient((S @ S).trace(), S)

    def test_gradient_needs_a_scalar(self):
        ch = LayerChain("W", "m", ("k",))
        with pytest.raises(MatrixCalculusError, match="must be a scalar"):
            gradient(ch.product(), ch.layer(ch["k"]))


class TestInduction:
    def test_first_and_second_variation(self):
        for proof in (product_first_variation(), product_second_variation()):
            assert proof.proved and proof.general
            names = " ".join(s.name for s in proof.steps)
            assert "base" in names and "step" in names

    def test_wrong_summand_fails_the_step(self):
        """The step fails for the false formula D P_m = sum_k m W_{m:k+1} Delta_k W_{k-1:1} (true at m = 1 only);
        an off-by-one segment (W_{m:k}) is already refused as non-conformable."""
        ch = LayerChain("W", "m", ("k",))
        m, kk = ch.depth, ch["k"]
        wrong = lambda top: first_variation_term(ch, top, kk).scale(top)  # noqa: E731
        step = check_equal("step", ch.layer(m + 1) @ wrong(m), wrong(m + 1))
        with pytest.raises(MatrixCalculusError, match="columns against"):
            ch.segment(m, kk) @ ch.direction(kk)
        assert not step.holds and step.residual

    def test_against_explicit_depth(self):
        """The first-variation sum at m = 3 equals the derivative of W_3 W_2 W_1 computed entrywise."""
        rng = np.random.default_rng(1)
        dims = [2, 3, 2, 2]
        Ws = [sp.Matrix(dims[i + 1], dims[i], lambda r, c: sp.Rational(int(rng.integers(-3, 4)), 2)) for i in range(3)]
        Ds = [sp.Matrix(dims[i + 1], dims[i], lambda r, c: sp.Rational(int(rng.integers(-3, 4)), 3)) for i in range(3)]
        t = sp.Symbol("t")
        P = lambda s: (Ws[2] + s * Ds[2]) * (Ws[1] + s * Ds[1]) * (Ws[0] + s * Ds[0])  # noqa: E731
        explicit = P(t).diff(t).subs(t, 0)
        ch = LayerChain("W", "m", ("k",))
        total = sp.zeros(2, 2)
        for kk in (1, 2, 3):
            inst = Instance(Ws, {f"Delta_{{{ch['k']}}}": Ds[kk - 1]}, {ch["k"]: kk, ch.depth: 3})
            total += inst.value(first_variation_term(ch, ch.depth, ch["k"]))
        assert total == explicit


def _rational(rng, r, c):
    return sp.Matrix(r, c, lambda i, j: sp.Rational(int(rng.integers(-3, 4)), int(rng.integers(1, 3))))


class TestVecKronecker:
    def test_vec_rule_and_commutation_at_explicit_sizes(self):
        """vec(A X B) = (B^T kron A) vec X and vec(C X^T D) = (D^T kron C) K vec X, with explicit column-major vec."""
        rng = np.random.default_rng(2)
        Xm = matrix("X", n, q)
        Am, Bm = matrix("A", p, n), matrix("B", q, 1)
        Cm, Dm = matrix("C", p, q), matrix("D", n, 2)
        vals = {"X": _rational(rng, 3, 4), "A": _rational(rng, 2, 3), "B": _rational(rng, 4, 1),
                "C": _rational(rng, 2, 4), "D": _rational(rng, 3, 2)}
        inst = Instance(matrices=vals, indices={p: 2, n: 3, q: 4})
        vec = lambda M: M.T.reshape(M.rows * M.cols, 1)  # noqa: E731  (column-major)
        Xv = vals["X"]
        assert inst.value(vec_operator(Am @ Xm @ Bm, Xm)) * vec(Xv) == vec(vals["A"] * Xv * vals["B"])
        assert inst.value(vec_operator(Cm @ Xm.T @ Dm, Xm)) * vec(Xv) == vec(vals["C"] * Xv.T * vals["D"])
        assert inst.value(vec_operator(Cm @ Xm.T @ Dm, Xm)) * vec(Xv) != vec(vals["C"] * Xv.T * vals["D"]) * 2

    def test_commutation_matrix(self):
        Y = sp.Matrix(2, 3, sp.symbols("y0:6"))
        vec = lambda M: M.T.reshape(M.rows * M.cols, 1)  # noqa: E731
        assert commutation_matrix(2, 3) * vec(Y) == vec(Y.T)

    def test_mixed_product(self):
        """(A kron B)(C kron D) = AC kron BD with symbolic shapes."""
        a, b, c, d = matrix("A", n, p), matrix("B", q, k), matrix("C", p, n), matrix("D", k, q)
        lhs = KronPoly.kron(a, b) @ KronPoly.kron(c, d)
        assert (lhs - KronPoly.kron(a @ c, b @ d)).is_zero()
        assert not (lhs - KronPoly.kron(c @ a, b @ d)).is_zero()


class TestHessianCrossEngine:
    """The general Kronecker blocks, instantiated at explicit sizes, against symflat.symbolic.derive."""

    @pytest.mark.parametrize("dims", [[2, 3, 2], [2, 3, 2, 2]])
    def test_blocks_off_omega(self, dims):
        rng = np.random.default_rng(sum(dims))
        m = len(dims) - 1
        Ws = [_rational(rng, dims[i + 1], dims[i]) for i in range(m)]
        R = _rational(rng, dims[0], dims[0])
        Sx, Syx = R * R.T + sp.eye(dims[0]), _rational(rng, dims[-1], dims[0])
        H = derive(DeepLinear(dims), DataMoments(Sx, Syx)).at(Ws)
        offs = np.cumsum([0] + [dims[i] * dims[i + 1] for i in range(m)])
        seen = 0
        for layers in (("i", "j"), ("j", "i"), ("i",)):
            ch = LayerChain("W", "m", layers)
            i = ch["i"]
            j = ch["j"] if "j" in ch.indices else i
            block = hessian_block(square_loss(ch, MomentSymbols(ch)), ch, i, j)
            for a in range(1, m + 1):
                for b in range(1, m + 1):
                    if (a < b) == (layers == ("i", "j")) and (a > b) == (layers == ("j", "i")):
                        inst = Instance(Ws, {"Sigma_x": Sx, "Sigma_yx": Syx}, {i: a, j: b, ch.depth: m})
                        assert inst.value(block) == H[offs[a - 1]:offs[a], offs[b - 1]:offs[b]], (layers, a, b)
                        seen += 1
        assert seen == m * m

    def test_factorisation_at_an_exact_minimum(self):
        """2 Phi_i Phi_j^T (engine, Sigma_x = R^2 with symmetric R) against derive's Hessian at a point of Omega."""
        rng = np.random.default_rng(5)
        dims = [2, 3, 2, 2]
        R0 = _rational(rng, 2, 2)
        R = R0 * R0.T + sp.eye(2)
        Sx = R * R
        data = DataMoments(Sx, _rational(rng, 2, 2) * Sx)
        model = DeepLinear(dims)
        Ws = random_minimum(model, data, rng)
        H = derive(model, data).at(Ws)
        offs = np.cumsum([0] + [dims[i] * dims[i + 1] for i in range(3)])
        ch = LayerChain("W", "m", ("i", "j"))
        mo = MomentSymbols(ch)
        prod = (phi_block(ch, mo, ch["i"]) @ phi_block(ch, mo, ch["j"]).T).scale(2)
        for a, b in ((1, 2), (1, 3), (2, 3)):
            inst = Instance(Ws, {"Sigma_x": Sx, "Sigma_x^{1/2}": R}, {ch["i"]: a, ch["j"]: b, ch.depth: 3})
            assert inst.value(prod) == H[offs[a - 1]:offs[a], offs[b - 1]:offs[b]]

    def test_phi_action_at_explicit_sizes(self):
        """Phi_k vec(B) (explicit Kronecker product) = vec(W_{m:k+1}^T B R W_{k-1:1}^T), m = 3, every k."""
        rng = np.random.default_rng(9)
        dims = [2, 3, 2, 3]
        Ws = [_rational(rng, dims[i + 1], dims[i]) for i in range(3)]
        R0, Bv = _rational(rng, 2, 2), _rational(rng, 3, 2)
        R = R0 + R0.T                                       # the symmetric root of the engine
        ch = LayerChain("W", "m", ("k",))
        mo = MomentSymbols(ch)
        vec = lambda M: M.T.reshape(M.rows * M.cols, 1)  # noqa: E731
        for a in (1, 2, 3):
            inst = Instance(Ws, {"Sigma_x^{1/2}": R, "B": Bv}, {ch["k"]: a, ch.depth: 3})
            explicit = inst.value(phi_block(ch, mo, ch["k"])) * vec(Bv)
            pre = sp.eye(2)
            for W in Ws[:a - 1]:
                pre = W * pre
            post = sp.eye(dims[a])
            for W in Ws[a:]:
                post = W * post
            assert explicit == vec(post.T * Bv * R * pre.T)
        assert prove_phi_action().proved

    def test_gradient_of_square_loss(self):
        """d l / d W_k = 2 W_{m:k+1}^T (W_{m:1} Sigma_x - Sigma_yx) W_{k-1:1}^T (hand derivation), and at m = 3
        against derive's gradient."""
        ch = LayerChain("W", "m", ("k",))
        m, kk, mo = ch.depth, ch["k"], MomentSymbols(ch)
        G = gradient(square_loss(ch, mo), ch.layer(kk))
        hand = (ch.segment(m, kk + 1).T @ (ch.product() @ mo.sigma_x - mo.sigma_yx) @ ch.segment(kk - 1, 1).T).scale(2)
        assert equal(G, hand)
        rng = np.random.default_rng(7)
        dims = [2, 2, 3, 2]
        Ws = [_rational(rng, dims[i + 1], dims[i]) for i in range(3)]
        Sx, Syx = sp.eye(2) * 2, _rational(rng, 2, 2)
        g = derive(DeepLinear(dims), DataMoments(Sx, Syx)).at(Ws, "gradient")
        offs = np.cumsum([0] + [dims[i] * dims[i + 1] for i in range(3)])
        for a in (1, 2, 3):
            val = Instance(Ws, {"Sigma_x": Sx, "Sigma_yx": Syx}, {kk: a, m: 3}).value(G)
            assert sp.Matrix(val.T.reshape(val.rows * val.cols, 1)) == sp.Matrix(g[offs[a - 1]:offs[a]])


class TestGeneralProofs:
    def test_targets_are_proved(self):
        for proof in (prove_hessian_factorisation(), prove_linear_balancedness("generic"),
                      prove_linear_balancedness("square"), prove_linear_balancedness("output"),
                      prove_homogeneous_balancedness(), prove_second_variation_chain_rule(),
                      prove_pattern_second_variation(), prove_phi_action(), prove_telescoping_product()):
            assert proof.proved, [str(s) for s in proof.failures()]
            ev = proof.evidence()
            assert ev.status is Status.PROVED and ev.scope == "general"
            assert proof.seconds < 5

    def test_off_diagonal_block_needs_omega(self):
        ch = LayerChain("W", "m", ("i", "j"))
        mo = MomentSymbols(ch)
        rules = Rules([mo.root_relation])
        block = hessian_block(square_loss(ch, mo), ch, ch["i"], ch["j"], rules)
        target = (phi_block(ch, mo, ch["i"]) @ phi_block(ch, mo, ch["j"]).T).scale(2)
        assert not (block - target).is_zero(rules)
        assert (block - target).is_zero(Rules([mo.root_relation, omega(ch, mo)]))

    def test_wrong_invariant_is_not_conserved(self):
        """W_{k+1} W_{k+1}^T - W_k^T W_k (transposes swapped) is not conserved: the normal form stays nonzero."""
        from symflat.symbolic.matrix_calculus import flow_derivative, loss_linearisation
        ch = LayerChain("W", "m", ("k", ("k+1", 1)))
        f, _ = loss_linearisation(ch)
        kk = ch["k"]
        Wk, Wl = ch.layer(kk), ch.layer(kk + 1)
        with pytest.raises(MatrixCalculusError):
            Wl @ Wl.T - Wk.T @ Wk                          # transposes swapped: d_{k+1} x d_{k+1} minus d_{k-1} x d_{k-1}
        right = Wl.T @ Wl - Wk @ Wk.T
        vel = [(Wk, -gradient(f, Wk)), (Wl, -gradient(f, Wl))]
        assert flow_derivative(right, vel).is_zero()
        skew = Wl.T @ Wl + Wk @ Wk.T
        assert not flow_derivative(skew, vel).is_zero()

    def test_power_chain(self):
        """Powers of one square matrix as a chain: Q Q^{j-1} = Q^j, Q^0 = I; Q^{j-1} Q^{j-1} is not Q^j."""
        nn = sp.Symbol("nn", integer=True, positive=True)
        powers = LayerChain("Q", "r", ("j",), room_above=1, dims=nn)
        j = powers["j"]
        assert equal(powers.layer(j) @ powers.segment(j - 1, 1), powers.segment(j, 1))
        assert powers.segment(0, 1).items()[0][0] == ()
        assert not equal(powers.segment(j - 1, 1) @ powers.segment(j - 1, 1), powers.segment(j, 1))

    def test_failed_step_gives_open_evidence(self):
        proof = GeneralProof("a false identity")
        proof.add(check_equal("A = B", matrix("A", n, n), matrix("B", n, n)))
        ev = proof.evidence()
        assert not proof.proved and ev.status is Status.OPEN and "A = B" in ev.detail

    def test_instance_step_is_not_general(self):
        from symflat.symbolic.matrix_calculus import Step
        proof = GeneralProof("checked at one size")
        proof.add(Step("explicit 2 x 2 check", True, general=False))
        assert proof.proved and not proof.general
        assert proof.evidence().status is Status.OPEN

    def test_to_sympy(self):
        ch = LayerChain("W", "m", ("k",))
        out = first_variation_term(ch, ch.depth, ch["k"]).to_sympy()
        assert isinstance(out, sp.MatrixExpr) and out.shape == (ch.d[ch.depth], ch.d[0])
        assert isinstance(MatPoly.zero(n, n).to_sympy(), sp.ZeroMatrix)


def test_docstring_examples():
    import doctest

    import symflat.symbolic.matrix_calculus as mc
    result = doctest.testmod(mc)
    assert result.attempted > 0 and result.failed == 0


def test_bench_rows_targets(capsys):
    from symflat.bench import matrix_calculus as bench
    assert bench.print_rows([{"what": "x", "general_s": 0.1, "proved": True, "steps": 1}])
    assert not bench.print_rows([{"what": "x", "general_s": 0.1, "proved": False, "steps": 1}])
    assert not bench.print_rows([{"what": "x", "general_s": 9.0, "proved": True, "steps": 1}])
    assert "NOT PROVED" in capsys.readouterr().out


def test_balancedness_cross_check_numeric():
    """The invariants the engine proves, against symflat.numeric's gradients (independent code) at random points:
    tr(G_j^T W_j) = tr(G_{j+1}^T W_{j+1}) for a leaky-ReLU net, and the matrix identity for a deep linear net."""
    from symflat.models import DeepNetwork, Points
    from symflat.numeric import objective
    from symflat.numeric.objective import unpack

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    for activation in ("leaky_relu", "linear"):
        model = DeepNetwork((3, 4, 5, 2), activation=activation, negative_slope=0.2)
        w = rng.normal(size=sum(a * b for a, b in zip(model.dims, model.dims[1:])))
        _, g = objective(model, Points(X, Y)).loss_and_grad(w)
        Ws, Gs = unpack(model, w), unpack(model, g)
        for j in range(2):
            assert abs(np.sum(Gs[j] * Ws[j]) - np.sum(Gs[j + 1] * Ws[j + 1])) < 1e-10
            if activation == "linear":
                lhs = Gs[j + 1].T @ Ws[j + 1] + Ws[j + 1].T @ Gs[j + 1]
                rhs = Gs[j] @ Ws[j].T + Ws[j] @ Gs[j].T
                assert np.allclose(lhs, rhs, atol=1e-10)
