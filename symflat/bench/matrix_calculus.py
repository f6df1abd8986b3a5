"""Timings of the general (every depth, every width) matrix-calculus proofs, for ``symflat bench
symbolic``: one row per derivation of :mod:`symflat.symbolic.matrix_calculus`, from a cleared
SymPy cache. There is no peer to compare with: SymPy alone cannot state these identities at
symbolic depth."""

from __future__ import annotations

import time

from sympy.core.cache import clear_cache

TARGET_SECONDS = 5.0


def _derivations():
    from symflat.symbolic import matrix_calculus as mc
    return [
        ("Mulayoff & Michaeli eq. (19) / Lemma 3: H = 2 Phi Phi^T on Omega", mc.prove_hessian_factorisation),
        ("Mulayoff & Michaeli eq. (21): Phi_k vec(B) (Kronecker rewriting)", mc.prove_phi_action),
        ("Mulayoff & Michaeli eq. (24): telescoping product on Omega (induction)", mc.prove_telescoping_product),
        ("Elkabetz & Cohen Lemma 5, eq. (12) (induction on depth)", mc.prove_second_variation_chain_rule),
        ("Elkabetz & Cohen Lemma 9, eq. (16) (activation patterns)", mc.prove_pattern_second_variation),
        ("balancedness, any loss of W_m:1 (Du et al.)", lambda: mc.prove_linear_balancedness("generic")),
        ("balancedness, square loss (Mulayoff & Michaeli S5)", lambda: mc.prove_linear_balancedness("square")),
        ("balancedness, output vector (Marion & Chizat Lemma 1)", lambda: mc.prove_linear_balancedness("output")),
        ("Frobenius balancedness, homogeneous activation", mc.prove_homogeneous_balancedness),
    ]


def rows() -> list[dict]:
    """``{"what", "general_s", "proved", "steps"}`` per derivation."""
    out = []
    for what, build in _derivations():
        clear_cache()
        start = time.perf_counter()
        proof = build()
        out.append({"depth": "every m", "what": what, "general_s": time.perf_counter() - start,
                    "proved": proof.proved, "steps": len(proof.steps)})
    return out


def print_rows(table: list[dict]) -> bool:
    """Print the rows; True when every derivation is proved within :data:`TARGET_SECONDS`."""
    for r in table:
        print(f"{'all m':>5}  {r['general_s']:>11.4f}  matrix calculus, general: {r['what']}: "
              f"{'proved' if r['proved'] else 'NOT PROVED'} ({r['steps']} steps)")
    return all(r["proved"] and r["general_s"] < TARGET_SECONDS for r in table)
