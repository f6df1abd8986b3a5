"""Precision-engine inequalities of Elkabetz & Cohen 2021 (Lemma 7, eq. 13; Lemma 33).

Sides are written once and run in float64, mpmath and arb balls (see docs/search.md)."""

from __future__ import annotations

import itertools

import numpy as np

from symflat.precision import Hypothesis, Inequality, Matrices, Matrix


def _chain(ops, Ws, lo, hi, size):
    """``W_hi ... W_lo`` (1-based); identity of ``size`` when ``hi < lo``."""
    if hi < lo:
        return ops.eye(size)
    return ops.matprod([Ws[j - 1] for j in range(hi, lo - 1, -1)])


def _unit(ops, shape, r, c):
    E = ops.zeros(shape)
    E[r, c] = ops.q(1, 1)
    return E


def deep_linear_hessian(ops, Ws, S, C):
    """The Hessian of ``f(theta) = phi(W_n...W_1)`` with ``phi(W) = 1/2 tr(W S W^T) - tr(W C^T)``
    (square loss on data moments ``S = Lambda_xx``, ``C = Lambda_yx``), assembled block by block from
    the bilinear form of Lemma 5 (eq. 12): ``H_ab = tr(L_a S L_b^T) + tr(G^T W_{n:j'+1} E_b W_{j'-1:j+1} E_a W_{j-1:1})``
    for ``a`` in block ``j < j'`` of ``b``, with ``L_a = W_{n:j+1} E_a W_{j-1:1}`` and ``G = W_{n:1} S - C``."""
    n = len(Ws)
    d0, dn = Ws[0].shape[1], Ws[-1].shape[0]
    G = _chain(ops, Ws, 1, n, d0) @ S - C
    basis = []
    for j, W in enumerate(Ws, start=1):
        for c in range(W.shape[1]):
            for r in range(W.shape[0]):
                E = _unit(ops, W.shape, r, c)
                L = _chain(ops, Ws, j + 1, n, dn) @ E @ _chain(ops, Ws, 1, j - 1, d0)
                basis.append((j, E, L))
    N = len(basis)
    H = ops.zeros((N, N))
    for a in range(N):
        ja, Ea, La = basis[a]
        for b in range(a, N):
            jb, Eb, Lb = basis[b]
            val = ops.trace(La @ S @ Lb.T)
            if ja != jb:
                (j, Ej), (jp, Ejp) = sorted([(ja, Ea), (jb, Eb)], key=lambda t: t[0])
                M = (_chain(ops, Ws, jp + 1, n, dn) @ Ejp @ _chain(ops, Ws, j + 1, jp - 1, Ws[j - 1].shape[0])
                     @ Ej @ _chain(ops, Ws, 1, j - 1, d0))
                val = val + ops.trace(G.T @ M)
            H[a, b] = val
            H[b, a] = val
    return H, G


def lemma7_rhs(ops, Ws, G):
    """``-(n-1) sqrt(min(d0, dn)) ||G||_F max_{|J| = n-2} prod_{j in J} ||W_j||_2`` (eq. 13)."""
    n = len(Ws)
    d0, dn = Ws[0].shape[1], Ws[-1].shape[0]
    norms = [ops.opnorm(W) for W in Ws]
    prods = []
    for J in itertools.combinations(range(n), n - 2):
        p = ops.q(1, 1)
        for j in J:
            p = p * norms[j]
        prods.append(p)
    best = prods[0] if len(prods) == 1 else ops.max(*prods)
    return -(n - 1) * ops.sqrt(ops.q(min(d0, dn), 1)) * ops.fro(G) * best


def _shapes(d):
    n, w, o = d["n"], d["w"], d["o"]
    dims = [d["i"]] + [w] * (n - 1) + [o]
    return [(dims[j + 1], dims[j]) for j in range(n)]


def lemma7():
    """lambda_min(Hessian) >= right-hand side of (13), over square-loss phi with data moments
    (S = Lambda_xx PSD, C = Lambda_yx), depths 2-3, widths 1-2."""

    def lhs(x, ops):
        H, _ = deep_linear_hessian(ops, x["W"], x["S"], x["C"])
        return ops.lam_min(H)

    def rhs(x, ops):
        _, G = deep_linear_hessian(ops, x["W"], x["S"], x["C"])
        return lemma7_rhs(ops, x["W"], G)

    return Inequality(
        lhs, rhs, ">=",
        variables=[Matrices("W", _shapes), Matrix("S", ("i", "i"), "psd"), Matrix("C", ("o", "i"), "general")],
        dims={"n": range(2, 4), "i": range(1, 3), "w": range(1, 3), "o": range(1, 3)},
        name="Elkabetz & Cohen Lemma 7 (eq. 13)",
    )


def lemma33():
    """max_i ||A_i||^n <= ||A_n...A_1|| + 2n sqrt(max_i ||Delta_i||) max(1, ||A_i||)^(2n), given
    ||Delta_i||_2 <= 1/(2n), Delta_i = A_{i+1}^T A_{i+1} - A_i A_i^T (App. I.7, Lemma 33)."""

    def deltas(x, ops):
        A = x["A"]
        return [ops.opnorm(A[i + 1].T @ A[i + 1] - A[i] @ A[i].T) for i in range(len(A) - 1)]

    def dmax(x, ops):
        ds = deltas(x, ops)
        return ds[0] if len(ds) == 1 else ops.max(*ds)

    def lhs(x, ops):
        ns = [ops.pow(ops.opnorm(a), x["n"]) for a in x["A"]]
        return ns[0] if len(ns) == 1 else ops.max(*ns)

    def rhs(x, ops):
        A, n = x["A"], x["n"]
        amax = ops.max(ops.q(1, 1), *[ops.opnorm(a) for a in A])
        return ops.opnorm(ops.matprod(A[::-1])) + 2 * n * ops.sqrt(dmax(x, ops)) * ops.pow(amax, 2 * n)

    hyp = Hypothesis("lemma-33-near-balanced", lambda x, ops: ops.q(1, 2 * x["n"]) - dmax(x, ops), ">=",
                     statement="||A_{i+1}^T A_{i+1} - A_i A_i^T||_2 <= 1/(2n) for every i")

    def shapes(d):
        n, w = d["n"], d["w"]
        dims = [d["i"]] + [w] * (n - 1) + [d["o"]]
        return [(dims[j + 1], dims[j]) for j in range(n)]

    return Inequality(lhs, rhs, "<=", variables=[Matrices("A", shapes)],
                      dims={"n": range(2, 5), "i": range(1, 3), "w": range(1, 3), "o": range(1, 3)},
                      hypotheses=[hyp], name="Elkabetz & Cohen Lemma 33")

