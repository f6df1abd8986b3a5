"""Precision bench: instances per second of one inequality in float64, mpmath and arb (certified).

The inequality is Mulayoff & Michaeli (2020) Lemma 4, eq. 22, on ``m = 4`` random ``3 x 3``
matrices: ``sum_k ||Psi_k||_F^2 >= m ||Psi_m ... Psi_1||_2^(2/m)``. Rows: float64 (numpy), mpmath at
``dps`` digits (:meth:`Inequality.evaluate`), arb at ``dps`` digits through :func:`certify` (the
certified path: float64-seeded enclosures, escalating only when undecided), and arb with
mpmath-seeded enclosures (tight to ``dps`` digits, never escalating). Target: certified within 3x
of mpmath.
"""

from __future__ import annotations

import json
import time

import numpy as np

from symflat.precision import ArbOps, FloatOps, Inequality, Matrices, certify

PEERS = ("float64", "mpmath", "arb-certified", "arb-tight")


def lemma4(m: int = 4, n: int = 3) -> Inequality:
    """Lemma 4 (eq. 22) for ``m`` matrices of size ``n x n``."""

    def lhs(x, ops):
        return ops.sum(ops.fro2(p) for p in x["Psi"])

    def rhs(x, ops):
        return x["m"] * ops.pow(ops.opnorm(ops.matprod(x["Psi"][::-1])), ops.q(2, x["m"]))

    return Inequality(lhs, rhs, ">=", variables=[Matrices("Psi", lambda d: [(d["n"], d["n"])] * d["m"])],
                      dims={"m": [m], "n": [n]}, name="mulayoff-michaeli-2020 lemma 4")


def _rate(fn, points, min_seconds: float) -> tuple[float, list]:
    out, reps, t0 = [], 0, time.perf_counter()
    while True:
        out = [fn(p) for p in points]
        reps += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= min_seconds:
            return reps * len(points) / elapsed, out


def bench(instances: int = 50, dps: int = 50, seed: int = 0, min_seconds: float = 1.0) -> dict:
    """Rates (instances/s) for each peer on the same ``instances`` random points."""
    ineq = lemma4()
    rng = np.random.default_rng(seed)
    d = ineq.dims_grid()[0]
    points = [ineq.point(d, rng.standard_normal(ineq.layout(d)[0][1])) for _ in range(instances)]
    f = FloatOps()

    def float_slack(p):
        x = ineq.values(p, f)
        return ineq.slack_of(ineq.lhs(x, f), ineq.rhs(x, f))

    def arb_tight(p):
        ops = ArbOps(dps, eig_dps=dps)
        with ops.active():
            x = ineq.values(p, ops)
            s = ineq.slack_of(ineq.lhs(x, ops), ineq.rhs(x, ops))
        return "certified" if s > 0 else "undecided"

    rates, results = {}, {}
    rates["float64"], _ = _rate(float_slack, points, min_seconds)
    rates["mpmath"], evs = _rate(lambda p: ineq.evaluate(p, dps), points, min_seconds)
    rates["arb-certified"], certs = _rate(lambda p: certify(ineq, p, dps=dps), points, min_seconds)
    rates["arb-tight"], tight = _rate(arb_tight, points, min_seconds)
    results["mpmath_holds"] = sum(e.verdict == "holds" for e in evs)
    results["arb_certified"] = sum(c.status == "certified" for c in certs)
    results["arb_tight_certified"] = sum(t == "certified" for t in tight)
    return {"inequality": ineq.name, "instances": instances, "dps": dps, "seed": seed, "rates": rates,
            "ratios_vs_mpmath": {k: rates["mpmath"] / v for k, v in rates.items()},  # time per instance / mpmath's
            "target": "arb-certified within 3x of mpmath (ratio <= 3)",
            "met": rates["mpmath"] / rates["arb-certified"] <= 3.0, **results}


def configure(parser) -> None:
    parser.add_argument("--instances", type=int, default=50, help="random instances (default 50)")
    parser.add_argument("--dps", type=int, default=50, help="decimal digits for mpmath and arb (default 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-seconds", type=float, default=1.0, help="minimum timing per peer (default 1)")
    parser.add_argument("--json", default=None, metavar="PATH", help="also write the figures as JSON")


def run(args) -> int:
    if args.instances < 1 or args.dps < 10 or args.min_seconds <= 0:
        print("symflat bench precision: error: need --instances >= 1, --dps >= 10, --min-seconds > 0")
        return 2
    res = bench(args.instances, args.dps, args.seed, args.min_seconds)
    print(f"{res['inequality']}: {res['instances']} instances, {res['dps']} digits")
    print(f"{'peer':<15}{'instances/s':>14}{'speed vs mpmath':>17}")
    for k in PEERS:
        print(f"{k:<15}{res['rates'][k]:>14.1f}{1 / res['ratios_vs_mpmath'][k]:>16.2f}x")
    print(f"certified by arb: {res['arb_certified']}/{res['instances']} (tight enclosures: "
          f"{res['arb_tight_certified']}); mpmath says holds: {res['mpmath_holds']}")
    print(f"target {res['target']}: {'met' if res['met'] else 'NOT met'}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=2)
    return 0
