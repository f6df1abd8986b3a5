"""``symflat search ID``: hunt for a counterexample to the inequality a claim carries.

    symflat search mulayoff-michaeli-2020/lemma-4 --budget 30 --seed 1
    symflat search mulayoff-michaeli-2020/theorem-1 --drop a2      # is hypothesis a2 necessary?
    symflat search mulayoff-michaeli-2020/lemma-4 --replay          # re-check the stored counterexample
    symflat search some-paper/poly-bound --z3                        # exact decision (polynomial claims)

The claim must declare ``inequality=Inequality(...)`` (docs/search.md). Results go to the ledger
like any check (check name ``search``, or ``search-drop-HYP``). A violation found with a hypothesis
dropped does not refute the claim: it is stored as evidence (status ``open``) that the hypothesis is
necessary. Exit codes: 0 done (and the claim met its expectation), 1 the claim is refuted against
its expectation or a replay no longer reproduces, 2 usage error.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from symflat.precision.inequality import DEFAULT_LADDER
from symflat.precision.errors import NotSupported
from symflat.search.checks import decide_check, drop_evidence, search_evidence
from symflat.search.counterexample import Counterexample, replay
from symflat.search.optimize import search
from symflat.search.parallel import claim_inequality, parallel_search


def configure(parser) -> None:
    parser.add_argument("id", help="claim id, e.g. mulayoff-michaeli-2020/lemma-4")
    parser.add_argument("paths", nargs="*", help="claim files or folders (default: ./proofs)")
    parser.add_argument("--drop", action="append", default=[], metavar="HYP",
                        help="search with this hypothesis removed (repeatable)")
    parser.add_argument("--budget", type=float, default=20.0, metavar="SECONDS", help="search time (default 20)")
    parser.add_argument("--dps", type=int, default=DEFAULT_LADDER[0], metavar="N",
                        help="base precision: violations are confirmed at N, 2N and 4N digits (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--replay", action="store_true", help="re-evaluate the counterexample stored in the ledger")
    parser.add_argument("--ledger", default=None, metavar="PATH", help="ledger file (default .symflat/ledger.sqlite)")
    parser.add_argument("--no-ledger", action="store_true", help="do not record the result")
    parser.add_argument("--executor", choices=("serial", "process", "dask"), default="serial",
                        help="where to run the search workers (default serial: one search in this process)")
    parser.add_argument("--workers", type=int, default=None, help="independent searches to fan out (default: 1 serial, CPU count otherwise)")
    parser.add_argument("--scheduler", default=None, help="dask scheduler address (tcp://host:port)")
    parser.add_argument("--no-shrink", action="store_true", help="keep the counterexample as found")
    parser.add_argument("--z3", action="store_true",
                        help="decide a polynomial inequality exactly with z3 at each dimension choice instead of searching")


def _fail(msg: str) -> int:
    print(f"symflat search: error: {msg}", file=sys.stderr)
    return 2


def _check_name(drop) -> str:
    return "search" + "".join(f"-drop-{d.split('/')[-1]}" for d in drop)


def _stored(ledger_path: Path, claim_id: str, check_name: str) -> Counterexample | None:
    from symflat.runner.ledger import Ledger

    if not ledger_path.exists():
        return None
    with Ledger(ledger_path) as led:
        for r in reversed(led.results(claim_id)):
            if r.check_name == check_name and r.evidence.data.get("counterexample"):
                return Counterexample.from_json(r.evidence.data["counterexample"])
    return None


def _decide(claim, ineq, name: str, args):
    """z3 decision at every dimension choice (``--z3``), as evidence."""
    from symflat.claims import Context

    ctx = Context(claim.id, name, seed=args.seed, dps=args.dps, budget=args.budget)
    return decide_check(ineq, ineq.dims_grid(), timeout_ms=int(args.budget * 1000))(ctx)


def run(args) -> int:
    from symflat.discovery import UnknownClaimError, load_claims
    from symflat.runner.ledger import DEFAULT_PATH, Ledger

    if args.budget <= 0:
        return _fail("--budget must be a positive number of seconds")
    if args.dps < 10:
        return _fail("--dps must be at least 10 digits")
    if args.workers is not None and args.workers < 1:
        return _fail("--workers must be at least 1")
    paths = args.paths or (["proofs"] if Path("proofs").is_dir() else [])
    if not paths:
        return _fail("no claim paths given and no ./proofs folder here")
    try:
        reg = load_claims(paths, [args.id])
        claim = reg.get(args.id)
    except (UnknownClaimError, FileNotFoundError) as e:
        return _fail(str(e))
    try:
        ineq = claim_inequality(claim, args.drop)
    except ValueError as e:
        return _fail(str(e))
    ladder = (args.dps, 2 * args.dps, 4 * args.dps)
    ledger_path = Path(args.ledger) if args.ledger else DEFAULT_PATH
    name = _check_name(args.drop) + ("-z3" if args.z3 else "")

    if args.replay:
        cex = _stored(ledger_path, claim.id, name)
        if cex is None:
            return _fail(f"no stored counterexample for {claim.id} [{name}] in {ledger_path}")
        conf = replay(ineq, cex)
        for ev in conf.evaluations:
            print(f"  {ev.describe()}")
        print(f"{claim.id}: replay {'reproduces the violation' if conf.verdict == 'violated' else 'gives ' + conf.verdict}")
        return 0 if conf.verdict == "violated" else 1

    t0 = time.monotonic()
    if args.z3:
        try:
            ev = _decide(claim, ineq, name, args)
        except NotSupported as e:
            return _fail(f"{claim.id}: {e}")
    elif args.executor == "serial" and (args.workers or 1) == 1:
        res = search(ineq, budget=args.budget, seed=args.seed, ladder=ladder, shrink=not args.no_shrink,
                     dropped=tuple(args.drop))
    else:
        from symflat.runner.executors import make_executor

        executor = make_executor(args.executor, args.workers, args.scheduler)
        try:
            res = parallel_search(ineq, paths, claim.id, executor, workers=getattr(executor, "workers", 1) or 1,
                                  budget=args.budget, seed=args.seed, ladder=ladder, drop=tuple(args.drop),
                                  do_shrink=not args.no_shrink)
        finally:
            executor.close()
    if not args.z3:
        ev = search_evidence(ineq, res, dps=args.dps, seed=args.seed, dropped=tuple(args.drop))
    if args.drop:
        ev = drop_evidence(ev, args.drop)
    if not args.no_ledger:
        with Ledger(ledger_path) as led:
            run_id = led.start_run(command=f"search {claim.id}", seed=args.seed, dps=args.dps)
            led.record(run_id, claim, name, ev, time.monotonic() - t0)
            led.finish_run(run_id)
    print(f"{claim.id} [{name}]: {ev.status.value} - {ev.detail}")
    if "counterexample" in ev.data:
        values = json.dumps(ev.data["counterexample"].get("values", {}))
        print(f"  values: {values if len(values) <= 600 else values[:600] + ' ...'}")
        print(f"  replay: symflat search {claim.id}{''.join(' --drop ' + d for d in args.drop)} --replay")
    if args.drop:
        return 0
    return 0 if claim.meets_expectation(ev.status, False) else 1
