"""Scalar-chain Hessian at a global minimum and its top eigenvalue: symflat's fast path vs naive SymPy.

Both paths start from the loss ``sigma_x^2 (tau - w_m ... w_1)^2`` of the scalar chain
(Mulayoff & Michaeli 2020, eq. 6) and a symbolic point of the minimum set (eq. 7,
``w_m = tau / (w_1 ... w_{m-1})``, all symbols). The naive peer is ``sympy.hessian`` of the
loss, substitution of the point, ``simplify`` of every entry and ``Matrix.eigenvals``; the fast
path is :func:`symflat.symbolic.scalar_chain.chain_at_minimum` (prefix/suffix products, rank-one
structure). Each timing starts from a cleared SymPy cache; the naive path runs in a child
process that is stopped after ``--timeout`` seconds. The two top eigenvalues are compared exactly
whenever both finish. Target: depth 64 under 1 s and at least 20x faster wherever naive finishes.

A last row times the depth-generic proof of eqs. (8)-(13) for *every* depth m
(:mod:`symflat.symbolic.scalar_chain_generic`), from a cleared cache and with the induction rules
re-proved. Target: under 2 s.
"""

from __future__ import annotations

import multiprocessing as mp
import time

import sympy as sp
from sympy.core.cache import clear_cache

from symflat.report.output import emit_json
from symflat.symbolic.scalar_chain import chain_at_minimum, generic_minimum

DEPTHS = (4, 8, 16, 32, 64)
TARGET_SECONDS = 1.0
TARGET_GENERIC_SECONDS = 2.0
TARGET_RATIO = 20.0


def _symbols():
    return sp.Symbol("sigma_x", positive=True), sp.Symbol("tau", positive=True)


def fast_path(m: int):
    """Hessian and top eigenvalue by the structured path; returns ``(seconds, eigenvalue)``."""
    clear_cache()
    sx, tau = _symbols()
    t0 = time.perf_counter()
    res = chain_at_minimum(generic_minimum(m, tau), sx**2, sx**2 * tau)
    res.hessian()
    lam = res.top_eigenvalue
    return time.perf_counter() - t0, lam


def naive_path(m: int, report=None):
    """``sympy.hessian`` + ``simplify`` + ``eigenvals``; returns ``(seconds, top eigenvalue)``.
    ``report(seconds)`` is called when the Hessian stage (before ``eigenvals``) is done."""
    clear_cache()
    sx, tau = _symbols()
    t0 = time.perf_counter()
    w = sp.symbols(f"w1:{m + 1}", real=True, nonzero=True)
    loss = sx**2 * (tau - sp.Mul(*w)) ** 2
    H = sp.hessian(loss, w)
    H = H.subs(w[-1], tau / sp.Mul(*w[:-1])).applyfunc(sp.simplify)
    if report is not None:
        report(time.perf_counter() - t0)
    eig = H.eigenvals()
    nonzero = [e for e in eig if sp.simplify(e) != 0]
    top = nonzero[0] if len(nonzero) == 1 else None
    return time.perf_counter() - t0, top


def _naive_child(m: int, conn):
    seconds, top = naive_path(m, report=lambda t: conn.send(("hessian", t)))
    conn.send(("done", seconds, None if top is None else sp.srepr(top)))
    conn.close()


def naive_with_timeout(m: int, timeout: float):
    """Run :func:`naive_path` in a child process stopped at ``timeout`` seconds; returns
    ``(seconds for the Hessian stage, total seconds, top eigenvalue)``, ``None`` where unfinished."""
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_naive_child, args=(m, child), daemon=True)
    deadline = time.monotonic() + timeout
    proc.start()
    child.close()
    hessian_s = total_s = top = None
    try:
        while total_s is None and parent.poll(max(0.0, deadline - time.monotonic())):
            msg = parent.recv()
            if msg[0] == "hessian":
                hessian_s = msg[1]
            else:
                total_s = msg[1]
                top = None if msg[2] is None else sp.sympify(msg[2], locals=_locals(m))
        return hessian_s, total_s, top
    except EOFError:  # the child died (e.g. out of memory): report as unfinished
        return hessian_s, None, None
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join()


def _locals(m: int) -> dict:
    sx, tau = _symbols()
    names = {s.name: s for s in sp.symbols(f"w1:{m + 1}", real=True, nonzero=True)}
    return {"sigma_x": sx, "tau": tau, **names}


def compare(depths=DEPTHS, timeout: float = 60.0) -> list[dict]:
    """One row per depth: fast and naive seconds, their ratio, whether the eigenvalues agree, and
    the naive Hessian stage alone (``naive_hessian_s``, ``hessian_ratio``) where it finished."""
    fast_path(2)  # import-time and first-call warm-up, not timed
    naive_path(2)
    rows = []
    for m in depths:
        fast_s, fast_lam = fast_path(m)
        hessian_s, naive_s, naive_lam = naive_with_timeout(m, timeout)
        agree = None
        if naive_lam is not None:
            agree = sp.cancel(sp.sympify(sp.srepr(fast_lam), locals=_locals(m)) - naive_lam) == 0
        rows.append({"depth": m, "fast_s": fast_s, "naive_s": naive_s,
                     "ratio": None if naive_s is None else naive_s / fast_s, "agree": agree,
                     "naive_hessian_s": hessian_s,
                     "hessian_ratio": None if hessian_s is None else hessian_s / fast_s})
    return rows


def depth_generic_row() -> dict:
    """Seconds for the depth-generic proofs of eqs. (8)-(13) (all depths at once), cold caches."""
    from symflat.symbolic import depth_generic, scalar_chain_generic
    rules = [depth_generic.sum_of_constant, depth_generic.product_of_constant, depth_generic.log_of_product,
             depth_generic.derivative_of_product, depth_generic.product_of_quotients, depth_generic.nonnegative_sum,
             depth_generic.sign_pattern_count, depth_generic.am_gm]
    for rule in rules:
        rule.cache_clear()
    clear_cache()
    start = time.perf_counter()
    try:
        steps = sum(len(build().steps) for build in scalar_chain_generic.EQS_8_TO_13)
        proved = True
    except depth_generic.DerivationFailed:
        steps, proved = 0, False
    return {"depth": "every m", "what": "depth-generic proof of eqs. (8)-(13)", "generic_s": time.perf_counter() - start,
            "proved": proved, "steps": steps}


def targets_met(rows) -> bool:
    deep = [r for r in rows if r["depth"] == 64]
    fast_ok = all(r["fast_s"] < TARGET_SECONDS for r in deep)
    ratio_ok = all(r["ratio"] >= TARGET_RATIO for r in rows if r["ratio"] is not None)
    agree_ok = all(r["agree"] is not False for r in rows)
    return fast_ok and ratio_ok and agree_ok


def configure(parser) -> None:
    parser.add_argument("--depths", type=_ints, default=DEPTHS, help="comma-separated depths (default 4,8,16,32,64)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed to the naive path per depth (default 60)")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE ('-' for stdout)")


def _ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise ValueError(f"--depths must be comma-separated positive integers, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise ValueError(f"--depths must be comma-separated positive integers, got {text!r}")
    return values


def _fmt(x, spec: str) -> str:
    return "DNF" if x is None else format(x, spec)


def run(args) -> int:
    if args.timeout <= 0:
        print("symflat bench symbolic: --timeout must be positive")
        return 2
    rows = compare(args.depths, args.timeout)
    print("scalar-chain Hessian at a symbolic global minimum + top eigenvalue (exact)")
    print(f"{'depth':>5}  {'symflat [s]':>11}  {'naive sympy [s]':>15}  {'speed-up':>9}  agree  "
          f"{'naive H only [s]':>16}  {'speed-up':>9}")
    for r in rows:
        agree = "-" if r["agree"] is None else ("yes" if r["agree"] else "NO")
        print(f"{r['depth']:>5}  {r['fast_s']:>11.4f}  {_fmt(r['naive_s'], '15.3f'):>15}  "
              f"{_fmt(r['ratio'], '8.0f') + 'x' if r['ratio'] else 'DNF':>9}  {agree:>5}  "
              f"{_fmt(r['naive_hessian_s'], '16.3f'):>16}  "
              f"{_fmt(r['hessian_ratio'], '8.0f') + 'x' if r['hessian_ratio'] else 'DNF':>9}")
    print(f"naive = sympy.hessian + subs + simplify + eigenvals, stopped after {args.timeout:g} s (DNF); "
          "'naive H only' is its time up to eigenvals")
    generic = depth_generic_row()
    print(f"{'all m':>5}  {generic['generic_s']:>11.4f}  depth-generic proof of eqs. (8)-(13) for every m: "
          f"{'proved' if generic['proved'] else 'FAILED'} ({generic['steps']} steps)")
    from symflat.bench import matrix_calculus
    calculus = matrix_calculus.rows()
    calculus_ok = matrix_calculus.print_rows(calculus)
    ok = targets_met(rows) and generic["proved"] and generic["generic_s"] < TARGET_GENERIC_SECONDS and calculus_ok
    print(f"targets (depth 64 < {TARGET_SECONDS:g} s, >= {TARGET_RATIO:g}x where naive finishes, eigenvalues agree, "
          f"eqs. (8)-(13) for every m < {TARGET_GENERIC_SECONDS:g} s, each general matrix-calculus proof "
          f"< {matrix_calculus.TARGET_SECONDS:g} s): {'met' if ok else 'MISSED'}")
    if args.json:
        emit_json([*rows, generic, *calculus], args.json)
    return 0 if ok else 1
