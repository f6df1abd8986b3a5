"""General derivations for the papers' claims, each a :class:`GeneralProof` valid for every depth
and width (and the proofs' textbook rules listed in ``standard``):

- :func:`prove_hessian_factorisation` — Mulayoff & Michaeli (2020), eq. (19) and Lemma 3;
- :func:`prove_phi_action` — their App. V.3 (eq. 21): ``Phi_k vec(B)`` as a matrix product;
- :func:`prove_telescoping_product` — their eq. (24), by induction on Omega;
- :func:`prove_linear_balancedness`, :func:`prove_homogeneous_balancedness` — the balancedness
  invariants along gradient flow (Du, Hu & Lee 2018; Arora, Cohen & Hazan 2018);
- :func:`prove_second_variation_chain_rule`, :func:`prove_pattern_second_variation` — Elkabetz &
  Cohen (2021), Lemmas 5 and 9 (eqs. 12 and 16).
"""

from __future__ import annotations

import sympy as sp

from symflat.symbolic.matrix_calculus.algebra import MatPoly, MatrixCalculusError, Relation, Rules, TracePoly
from symflat.symbolic.matrix_calculus.calculus import derivative, gradient, substitute
from symflat.symbolic.matrix_calculus.chain import LayerChain
from symflat.symbolic.matrix_calculus.induction import (
    first_variation_term,
    product_first_variation,
    product_second_variation,
    second_variation_term,
)
from symflat.symbolic.matrix_calculus.networks import (
    KRON_RULES,
    MomentSymbols,
    flow_derivative,
    hessian_block,
    loss_linearisation,
    matrix,
    omega,
    phi_block,
    square_loss,
)
from symflat.symbolic.matrix_calculus.proof import GeneralProof, Step, check_equal, timed

def prove_hessian_factorisation() -> GeneralProof:
    """On Omega every block of the Hessian is ``2 Phi_i Phi_j^T`` (i < j, i = j, i > j), for
    every depth, widths and data moments; the diagonal blocks equal it everywhere."""
    proof = GeneralProof("d^2 l / dw_i dw_j = 2 Phi_i Phi_j^T on Omega for all i, j (so H = 2 Phi Phi^T)",
                         standard=KRON_RULES + ("Leibniz rule", "cyclic trace"), hypotheses=("Omega",))
    with timed(proof):
        for case, layers in (("i < j", ("i", "j")), ("i > j", ("j", "i")), ("i = j", ("i",))):
            ch = LayerChain("W", "m", layers)
            mo = MomentSymbols(ch)
            i = ch["i"]
            j = ch["j"] if "j" in ch.indices else i
            rules = Rules([mo.root_relation] + ([omega(ch, mo)] if case != "i = j" else []))
            block = hessian_block(square_loss(ch, mo), ch, i, j, rules)
            target = (phi_block(ch, mo, i) @ phi_block(ch, mo, j).T).scale(2)
            proof.add(check_equal(f"block {case}" + (" (everywhere)" if case == "i = j" else " on Omega"), block, target, rules))
    return proof


def prove_phi_action() -> GeneralProof:
    """``Phi_k vec(B) = vec(W_{m:k+1}^T B Sigma_x^{1/2} W_{k-1:1}^T)`` for a generic layer ``k`` and any
    ``B`` (``d_m x d_0``): the block form of ``Phi vec(B)`` (Mulayoff & Michaeli, App. V.3, eq. S55)."""
    proof = GeneralProof("Phi_k vec(B) = vec(W_{m:k+1}^T B Sigma_x^{1/2} W_{k-1:1}^T), every depth, layer and width",
                         standard=KRON_RULES)
    with timed(proof):
        ch = LayerChain("W", "m", ("k",))
        mo, k, m = MomentSymbols(ch), ch["k"], ch.depth
        B = matrix("B", ch.d[m], ch.d[0])
        printed = ch.segment(m, k + 1).T @ B @ mo.root @ ch.segment(k - 1, 1).T
        proof.add(check_equal("Phi_k vec(B) = vec(W_{m:k+1}^T B Sigma_x^{1/2} W_{k-1:1}^T)",
                              phi_block(ch, mo, k).apply(B), printed))
    return proof


def _linear_invariant(ch: LayerChain, k):
    Wk, Wl = ch.layer(k), ch.layer(k + 1)
    return Wk, Wl, Wl.T @ Wl - Wk @ Wk.T


def prove_linear_balancedness(loss: str = "generic") -> GeneralProof:
    """``d/dt (W_{k+1}^T W_{k+1} - W_k W_k^T) = 0`` along gradient flow of a deep linear network,
    every depth ``m``, every ``1 <= k < m``, all widths. ``loss``: ``"generic"`` (any
    differentiable ``phi(W_{m:1})``, through :func:`loss_linearisation`), ``"square"``
    (:func:`square_loss` differentiated itself) or ``"output"`` (Marion & Chizat's
    ``R^1(W_1^T ... W_L^T w)`` with fixed output vector ``w`` and ``g = grad R^1``)."""
    if loss not in ("generic", "square", "output"):
        raise MatrixCalculusError(f"loss must be 'generic', 'square' or 'output', got {loss!r}")
    proof = GeneralProof(f"d/dt(W_(k+1)^T W_(k+1) - W_k W_k^T) = 0 along gradient flow ({loss} loss), every depth and width",
                         standard=("chain rule", "Leibniz rule", "cyclic trace"))
    with timed(proof):
        ch = LayerChain("W", "m", ("k", ("k+1", 1)))
        k = ch["k"]
        if loss == "generic":
            f, _ = loss_linearisation(ch)
        elif loss == "square":
            f = square_loss(ch, MomentSymbols(ch))
        else:
            P = ch.product()
            w, g = matrix("w", P.rows, 1), matrix("g", P.cols, 1)
            f = (w.T @ P @ g).trace()
        Wk, Wl, inv = _linear_invariant(ch, k)
        grads = [gradient(f, Wk), gradient(f, Wl)]
        dt = flow_derivative(inv, [(Wk, -grads[0]), (Wl, -grads[1])])
        proof.add(check_equal("d/dt of the invariant vanishes", dt, MatPoly.zero(inv.rows, inv.cols)))
    return proof


def prove_homogeneous_balancedness() -> GeneralProof:
    """``d/dt (||W_{k+1}||_F^2 - ||W_k||_F^2) = 0`` along gradient flow of a network with a
    positively homogeneous activation, at every point where no pre-activation vanishes.

    There ``sigma(z) = sigma'(z) z`` (Euler), so per sample the output is
    ``A W_{k+1} D W_k B`` with ``D = diag(sigma'(W_k B))`` and ``A``, ``B`` the rest of the network
    (later layers and patterns; the input activation), all locally constant in ``W_k, W_{k+1}``;
    the loss gradient ``g`` of the sample is a symbol. The cancellation is checked for one sample
    with all factors symbolic (``D`` need not even be diagonal); a sum over samples is linear."""
    proof = GeneralProof("d/dt(||W_(k+1)||_F^2 - ||W_k||_F^2) = 0 along gradient flow, positively homogeneous activation",
                         standard=("chain rule", "Leibniz rule", "cyclic trace"),
                         hypotheses=("points where no pre-activation is zero",))
    with timed(proof):
        z, s = sp.Symbol("z", real=True), sp.Symbol("s", positive=True)
        alpha, alpha_bar = sp.symbols("alpha alpha_bar", real=True)
        sigma = alpha * sp.Max(z, 0) - alpha_bar * sp.Max(-z, 0)
        euler = [sp.simplify((sigma - sp.diff(sigma, z) * z).subs(z, v)) for v in (s, -s)]
        proof.add(Step("Euler: sigma(z) = sigma'(z) z for z > 0 and z < 0", all(e == 0 for e in euler),
                       "" if all(e == 0 for e in euler) else str(euler)))
        p, dl, dk, dk1, b = sp.symbols("p d_l d_k d_km1 b", integer=True, positive=True)
        A, Wl, D = matrix("A", p, dl), matrix("W_{k+1}", dl, dk), matrix("D", dk, dk)
        Wk, B, g = matrix("W_k", dk, dk1), matrix("B", dk1, b), matrix("g", p, b)
        f = (g.T @ A @ Wl @ D @ Wk @ B).trace()
        gk, gl = gradient(f, Wk), gradient(f, Wl)
        norms = (Wl.T @ Wl).trace() - (Wk.T @ Wk).trace()
        dt = derivative(norms, Wk, -gk) + derivative(norms, Wl, -gl)
        proof.add(check_equal("d/dt of the Frobenius invariant vanishes (one sample)", dt, TracePoly()))
    return proof


def prove_second_variation_chain_rule() -> GeneralProof:
    """Elkabetz & Cohen (2021), Lemma 5 / eq. (12): for ``f = phi(W_{n:1})``,
    ``D^2 f[Delta, Delta] = D^2 phi(W_{n:1})[sum_j T_j] + 2 tr(grad phi^T sum_{j<j'} U_{j j'})``,
    ``T_j = W_{n:j+1} Delta_j W_{j-1:1}``, ``U_{j j'} = W_{n:j'+1} Delta_{j'} W_{j'-1:j+1} Delta_j W_{j-1:1}``.
    By the second-order chain rule ``D^2(phi o P) = D^2 phi(P)[DP, DP] + <grad phi(P), D^2 P>``,
    it follows from the two product variations (each by induction on ``n``) and the summand
    identities checked here at generic indices."""
    first, second = product_first_variation(), product_second_variation()
    proof = GeneralProof("Elkabetz & Cohen eq. (12), every depth n and widths",
                         standard=first.standard + second.standard + ("second-order chain rule",))
    with timed(proof):
        for name, sub in (("first variation (induction)", first), ("second variation (induction)", second)):
            proof.add(Step(name, sub.proved, "" if sub.proved else str(sub.failures()[0])))
        ch = LayerChain("W", "n", ("j",))
        n, j = ch.depth, ch["j"]
        printed_t = ch.segment(n, j + 1) @ ch.direction(j) @ ch.segment(j - 1, 1)
        proof.add(check_equal("summand T_j of (12) = first-variation summand", printed_t, first_variation_term(ch, n, j)))
        ch2 = LayerChain("W", "n", ("j", "jp"))
        n, j, jp = ch2.depth, ch2["j"], ch2["jp"]
        printed_u = (ch2.segment(n, jp + 1) @ ch2.direction(jp) @ ch2.segment(jp - 1, j + 1) @ ch2.direction(j)
                     @ ch2.segment(j - 1, 1))
        G = matrix("grad_phi", printed_u.rows, printed_u.cols)
        lhs = (G.T @ second_variation_term(ch2, n, j, jp, "Delta", "Delta")).trace()
        proof.add(check_equal("<grad phi, (j, j') summand of D^2 P[Delta, Delta]> = 2 tr(grad phi^T U_{j j'})",
                              lhs, (G.T @ printed_u).trace().scale(2)))
    proof.seconds += first.seconds + second.seconds
    return proof


def prove_pattern_second_variation() -> GeneralProof:
    """Elkabetz & Cohen (2021), Lemma 9 / eq. (16): on a differentiability region the loss is (15),
    ``(1/|S|) sum_i l(V_n ... V_1 x_i, y_i)`` with effective layers ``V_j = D'_{i,j} W_j`` (``D'`` fixed,
    ``D'_{i,n} = I``). ``V_j`` is linear in ``W_j`` (``D V_j = D'_j dW_j``, ``D^2 V_j = 0``), so Lemma 5's
    variations of ``V_{n:1}`` apply with ``Delta_j := D'_j dW_j``; the summands of (16) are checked
    against them at generic indices, every depth and width, each sample with its own pattern."""
    first, second = product_first_variation(), product_second_variation()
    proof = GeneralProof("Elkabetz & Cohen eq. (16), every depth n, widths and activation pattern",
                         standard=first.standard + second.standard
                         + ("second-order chain rule", "linearity of the sum over samples"),
                         hypotheses=("theta in a differentiability region D_theta' (f given by (15))",))
    with timed(proof):
        for name, sub in (("first variation (induction)", first), ("second variation (induction)", second)):
            proof.add(Step(name, sub.proved, "" if sub.proved else str(sub.failures()[0])))
        a, b_ = sp.symbols("a b", integer=True, positive=True)
        D, W, dW = matrix("D", a, a), matrix("W", a, b_), matrix("dW", a, b_)
        V = D @ W
        proof.add(check_equal("D V_j [dW_j] = D'_j dW_j", derivative(V, W, dW), D @ dW))
        proof.add(check_equal("D^2 V_j = 0", derivative(derivative(V, W, dW), W, matrix("dW2", a, b_)), MatPoly.zero(a, b_)))

        def pattern(ch, j):
            return matrix(f"D'_{{{j}}}", ch.d[j], ch.d[j]), matrix(f"dW_{{{j}}}", ch.d[j], ch.d[j - 1])

        ch = LayerChain("V", "n", ("j",))
        n, j = ch.depth, ch["j"]
        x = matrix("x_i", ch.d[0], 1)
        Dj, dWj = pattern(ch, j)
        printed = ch.segment(n, j + 1) @ Dj @ dWj @ ch.segment(j - 1, 1) @ x
        engine = substitute(first_variation_term(ch, n, j) @ x, {ch.direction(j): Dj @ dWj})
        proof.add(check_equal("first summand of (16) = first-variation summand at Delta_j = D'_j dW_j", engine, printed))
        ch2 = LayerChain("V", "n", ("j", "jp"))
        n, j, jp = ch2.depth, ch2["j"], ch2["jp"]
        x, g = matrix("x_i", ch2.d[0], 1), matrix("grad_l_i", ch2.d[n], 1)
        (Dj, dWj), (Djp, dWjp) = pattern(ch2, j), pattern(ch2, jp)
        printed = (g.T @ ch2.segment(n, jp + 1) @ Djp @ dWjp @ ch2.segment(jp - 1, j + 1) @ Dj @ dWj @ ch2.segment(j - 1, 1)
                   @ x).trace().scale(2)
        engine = substitute((g.T @ second_variation_term(ch2, n, j, jp, "Delta", "Delta") @ x).trace(),
                            {ch2.direction(j): Dj @ dWj, ch2.direction(jp): Djp @ dWjp})
        proof.add(check_equal("(j, j') summand of (16) = <grad l_i, second-variation summand x_i>", engine, printed))
    proof.seconds += first.seconds + second.seconds
    return proof


def prove_telescoping_product() -> GeneralProof:
    """Mulayoff & Michaeli (2020), eq. (24): on Omega (``W_{m:1} = T``), with ``F_k = W_{m:k+1}^T B S
    W_{k-1:1}^T`` (``S = Sigma_x^{1/2}``), ``F_m F_{m-1} ... F_1 = (B S T^T)^{m-1} B S`` for every depth.

    Induction on ``j``: ``G_j = F_j ... F_1 = W_{m:j+1}^T Q^{j-1} B S`` with ``Q = B S T^T`` (powers as
    a chain of square factors, ``Q^j = Q_{j:1}``); base ``G_1 = F_1``; step ``F_{j+1} G_j = G_{j+1}``,
    where ``W_{j:1}^T W_{m:j+1}^T = (W_{m:1})^T = T^T`` on Omega; at ``j = m``, ``W_{m:m+1} = I``."""
    proof = GeneralProof("F_m ... F_1 = (B Sigma_x^{1/2} T^T)^{m-1} B Sigma_x^{1/2} on Omega, every depth m",
                         standard=("associativity", "splitting a finite product off its last factor"),
                         hypotheses=("Omega (W_{m:1} = T)",))
    with timed(proof):
        ch = LayerChain("W", "m", ("j",), room_above=1)
        m, j = ch.depth, ch["j"]
        d0, dm = ch.d[0], ch.d[m]
        B, S, T = matrix("B", dm, d0), matrix("Sigma_x^{1/2}", d0, d0, symmetric=True), matrix("T", dm, d0)
        powers = LayerChain("Q", "r", ("j",), room_above=1, dims=dm)
        jq = powers["j"]

        def F(k):
            return ch.segment(m, k + 1).T @ B @ S @ ch.segment(k - 1, 1).T

        def G(k, kq):
            return ch.segment(m, k + 1).T @ powers.segment(kq - 1, 1) @ B @ S

        rules = Rules([Relation.of(ch.product(), T, "w in Omega (W_{m:1} = T)"),
                       Relation.of(B @ S @ T.T, powers.layer(jq), "Q = B Sigma_x^{1/2} T^T")])
        proof.add(check_equal("base j = 1: G_1 = F_1", F(1), G(1, 1), rules))
        proof.add(check_equal("step: F_{j+1} G_j = G_{j+1}", F(j + 1) @ G(j, jq), G(j + 1, jq + 1), rules))
        end = LayerChain("W", "m")
        Qm = LayerChain("Q", "r", dims=end.d[end.depth]).segment(end.depth - 1, 1)
        Be = matrix("B", end.d[end.depth], end.d[0])
        proof.add(check_equal("end j = m: G_m = Q^{m-1} B Sigma_x^{1/2} (W_{m:m+1} = I)",
                              end.segment(end.depth, end.depth + 1).T @ Qm @ Be @ S, Qm @ Be @ S))
    return proof
