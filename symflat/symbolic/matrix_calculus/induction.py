"""Variations of the product ``P_m = W_m ... W_1`` for every depth ``m``, by induction on ``m``.

Claims (perturbation ``Delta = (Delta_1, ..., Delta_m)``, second one ``E``):

- first variation: ``D P_m [Delta] = sum_{k=1}^m W_{m:k+1} Delta_k W_{k-1:1}``;
- second variation: ``D^2 P_m [Delta, E] = sum_{1<=a<b<=m} W_{m:b+1} (Delta_b W_{b-1:a+1} E_a
  + E_b W_{b-1:a+1} Delta_a) W_{a-1:1}``; with ``E = Delta`` this is the double sum of
  Elkabetz & Cohen (2021), eq. (12), and its off-diagonal blocks are those of Mulayoff &
  Michaeli (2020), App. IV.

Each proof checks, at symbolic sizes and symbolic ``m`` and summation indices:

- base ``m = 1``: ``D W_1 [Delta] = Delta_1`` equals the single summand, ``D^2 W_1 = 0`` equals
  the empty sum (and ``m = 2`` computed directly);
- step: from ``P_{m+1} = W_{m+1} P_m`` (a chain relation, checked) the product rule gives
  ``D P_{m+1} = Delta_{m+1} P_m + W_{m+1} D P_m`` and
  ``D^2 P_{m+1} = Delta_{m+1} DP_m[E] + E_{m+1} DP_m[Delta] + W_{m+1} D^2 P_m``; the summand
  identities ``W_{m+1} T_m(k) = T_{m+1}(k)`` (``1 <= k <= m``) and ``Delta_{m+1} P_m =
  T_{m+1}(m+1)`` (resp. the pair versions) then give the sum over ``1..m+1`` split as the sum
  over ``1..m`` plus the new index.
"""

from __future__ import annotations

from symflat.symbolic.matrix_calculus.algebra import MatPoly
from symflat.symbolic.matrix_calculus.calculus import derivative
from symflat.symbolic.matrix_calculus.chain import LayerChain
from symflat.symbolic.matrix_calculus.proof import GeneralProof, check_equal, timed


def first_variation_term(chain: LayerChain, top, k, direction="Delta") -> MatPoly:
    """``W_{top:k+1} Delta_k W_{k-1:1}``: the ``k``-th summand of ``D P_top``."""
    return chain.segment(top, k + 1) @ chain.direction(k, direction) @ chain.segment(k - 1, 1)


def second_variation_term(chain: LayerChain, top, a, b, first="Delta", second="E") -> MatPoly:
    """The ``(a, b)`` summand (``a < b``) of ``D^2 P_top [Delta, E]``."""
    mid = chain.segment(b - 1, a + 1)
    inner = (chain.direction(b, first) @ mid @ chain.direction(a, second)
             + chain.direction(b, second) @ mid @ chain.direction(a, first))
    return chain.segment(top, b + 1) @ inner @ chain.segment(a - 1, 1)


def product_first_variation() -> GeneralProof:
    """Induction proof of ``D P_m [Delta] = sum_k W_{m:k+1} Delta_k W_{k-1:1}`` for every m."""
    proof = GeneralProof("D(W_m...W_1)[Delta] = sum_{k=1}^m W_{m:k+1} Delta_k W_{k-1:1}, every m >= 1",
                         standard=("Leibniz rule D(XY) = DX Y + X DY", "splitting a finite sum off its last index"))
    with timed(proof):
        ch = LayerChain("W", "m", ("k",))
        m, k = ch.depth, ch["k"]
        # base m = 1
        w1 = ch.layer(1)
        proof.add(check_equal("base m = 1", derivative(w1, w1, ch.direction(1)), first_variation_term(ch, 1, 1)))
        # step: P_{m+1} = W_{m+1} P_m, so D P_{m+1} = Delta_{m+1} P_m + W_{m+1} D P_m (Leibniz)
        top, P = ch.layer(m + 1), ch.segment(m, 1)
        proof.add(check_equal("relation P_{m+1} = W_{m+1} P_m", top @ P, ch.segment(m + 1, 1)))
        proof.add(check_equal("step, summands k <= m: W_{m+1} T_m(k) = T_{m+1}(k)",
                              top @ first_variation_term(ch, m, k), first_variation_term(ch, m + 1, k)))
        proof.add(check_equal("step, new summand: Delta_{m+1} P_m = T_{m+1}(m+1)",
                              ch.direction(m + 1) @ P, first_variation_term(ch, m + 1, m + 1)))
    return proof


def product_second_variation() -> GeneralProof:
    """Induction proof of the second-variation formula of ``W_m ... W_1`` for every m."""
    proof = GeneralProof("D^2(W_m...W_1)[Delta, E] = sum_{a<b} W_{m:b+1}(Delta_b W_{b-1:a+1} E_a + E_b W_{b-1:a+1} Delta_a)"
                         "W_{a-1:1}, every m >= 1",
                         standard=("Leibniz rule D^2(W P) = Delta DP[E] + E DP[Delta] + W D^2P for W linear",
                                   "the first variation of W_{m:1} (product_first_variation)",
                                   "splitting a finite sum off its last index"))
    with timed(proof):
        # base: m = 1 (W_1 is linear: D^2 W_1 = 0 = empty sum) and m = 2 directly
        ch0 = LayerChain("W", "m")
        w1, w2 = ch0.layer(1), ch0.layer(2)
        d1 = derivative(derivative(w1, w1, ch0.direction(1)), w1, ch0.direction(1, "E"))
        proof.add(check_equal("base m = 1: D^2 W_1 = 0", d1, MatPoly.zero(w1.rows, w1.cols)))
        p2 = w2 @ w1
        d2 = MatPoly.zero(p2.rows, p2.cols)
        for x in (w1, w2):
            for y in (w1, w2):
                kx, ky = x.items()[0][0][0][0].hi, y.items()[0][0][0][0].hi
                d2 = d2 + derivative(derivative(p2, x, ch0.direction(kx)), y, ch0.direction(ky, "E"))
        proof.add(check_equal("base m = 2", d2, second_variation_term(ch0, 2, 1, 2)))
        # step, pairs a < b <= m
        ch = LayerChain("W", "m", ("a", "b"))
        m, a, b = ch.depth, ch["a"], ch["b"]
        proof.add(check_equal("step, pairs b <= m: W_{m+1} U_m(a,b) = U_{m+1}(a,b)",
                              ch.layer(m + 1) @ second_variation_term(ch, m, a, b), second_variation_term(ch, m + 1, a, b)))
        # step, new pairs (a, m+1), a <= m
        cha = LayerChain("W", "m", ("a",))
        m, a = cha.depth, cha["a"]
        D, E = cha.direction(m + 1), cha.direction(m + 1, "E")
        new = D @ first_variation_term(cha, m, a, "E") + E @ first_variation_term(cha, m, a, "Delta")
        proof.add(check_equal("step, new pairs (a, m+1): Delta_{m+1} T_m^E(a) + E_{m+1} T_m^Delta(a) = U_{m+1}(a, m+1)",
                              new, second_variation_term(cha, m + 1, a, m + 1)))
    return proof
