"""``symflat search ID``: hunt for a counterexample to the inequality a claim carries.

    symflat search mulayoff-michaeli-2020/lemma-4 --budget 30 --seed 1
    symflat search mulayoff-michaeli-2020/theorem-1 --drop a2      # is hypothesis a2 necessary?
    symflat search mulayoff-michaeli-2020/lemma-4 --replay          # re-check the stored counterexample
    symflat search some-paper/poly-bound --z3                        # exact decision (polynomial claims)
    symflat search some-paper/lemma-2 --widen                        # silent hypotheses: wider domains

The claim must declare ``inequality=Inequality(...)`` (docs/search.md). Results go to the ledger
like any check (check name ``search``, ``search-drop-HYP`` or ``search-widen-LABEL``). With
``--drop`` the claim's standing with every hypothesis is established first (:mod:`.ablation`): a
counterexample meeting every hypothesis refutes the claim; a witness violating the dropped one
shows it necessary (status ``open``). ``--widen`` results are ``open`` evidence. Exit codes: 0 done
(and the claim met its expectation), 1 the claim is refuted against its expectation or a replay no
longer reproduces, 2 usage error.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from symflat.precision.errors import NotSupported
from symflat.precision.inequality import DEFAULT_LADDER
from symflat.search.ablation import ablate
from symflat.search.checks import decide_check, search_evidence
from symflat.search.counterexample import Counterexample, replay
from symflat.search.errors import SearchSetupError
from symflat.search.optimize import search
from symflat.search.parallel import check_drop, claim_inequality, parallel_search
from symflat.search.widen import widen, widenings


def configure(parser) -> None:
    parser.add_argument("id", help="claim id, e.g. mulayoff-michaeli-2020/lemma-4")
    parser.add_argument("paths", nargs="*", help="claim files or folders (default: ./proofs)")
    parser.add_argument("--drop", action="append", default=[], metavar="HYP",
                        help="is this hypothesis necessary? (repeatable; the claim's standing with every "
                             "hypothesis is established first)")
    parser.add_argument("--widen", nargs="?", const="*", default=None, metavar="LABEL",
                        help="search the inequality on wider domains (every widening, or the one LABEL, e.g. "
                             "S:symmetric); put it after the paths or write --widen=LABEL; runs serially")
    parser.add_argument("--budget", type=float, default=20.0, metavar="SECONDS", help="search time (default 20)")
    parser.add_argument("--dps", type=int, default=DEFAULT_LADDER[0], metavar="N",
                        help="base precision: violations are confirmed at N, 2N and 4N digits (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--replay", action="store_true",
                        help="re-evaluate the counterexample stored in the ledger (the simplest and the worst witness)")
    parser.add_argument("--ledger", default=None, metavar="PATH", help="ledger file (default .symflat/ledger.sqlite)")
    parser.add_argument("--no-ledger", action="store_true", help="do not record the result")
    parser.add_argument("--executor", choices=("serial", "process", "dask"), default="serial",
                        help="where to run the search workers (default serial: one search in this process)")
    parser.add_argument("--workers", type=int, default=None, help="independent searches to fan out (default: 1 serial, CPU count otherwise)")
    parser.add_argument("--scheduler", default=None, help="dask scheduler address (tcp://host:port)")
    parser.add_argument("--no-shrink", action="store_true", help="keep the counterexample as found")
    parser.add_argument("--z3", action="store_true",
                        help="decide a polynomial (rational, radical) inequality exactly at each dimension choice instead "
                             "of searching (solver: --solver)")
    parser.add_argument("--solver", choices=("z3", "cvc5"), default="z3", help="decision procedure for --z3 (default z3)")


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


def _replay(ineq, cex: Counterexample, label: str) -> bool:
    """Replay the simplest witness and, if stored, the worst; True when both still violate."""
    ok = True
    for which, witness in (("simplest", cex), ("worst", cex.worst)):
        if witness is None:
            continue
        conf = replay(ineq, witness)
        for ev in conf.evaluations:
            print(f"  [{which}] {ev.describe()}")
        reproduced = conf.verdict == "violated" or (ineq.strict and conf.verdict == "tight"
                                                    and witness.certified.startswith("refuted"))
        ok = ok and reproduced
        print(f"{label}: {which} witness: replay {'reproduces the violation' if reproduced else 'gives ' + conf.verdict}")
    return ok


def _decide(claim, ineq, name: str, args):
    """Exact decision (z3 or cvc5, ``--solver``) at every dimension choice (``--z3``), as evidence."""
    from symflat.claims import Context

    ctx = Context(claim.id, name, seed=args.seed, dps=args.dps, budget=args.budget)
    return decide_check(ineq, ineq.dims_grid(), timeout_ms=int(args.budget * 1000), solver=args.solver)(ctx)


def _searcher(args, paths, claim, ladder):
    """``run(target, dropped, seconds) -> SearchResult``: serial, or fanned out over an executor."""
    if args.executor == "serial" and (args.workers or 1) == 1:
        def run(target, dropped, seconds):
            return search(target, budget=seconds, seed=args.seed, ladder=ladder, shrink=not args.no_shrink,
                          dropped=tuple(dropped))
        return run, None
    from symflat.runner.executors import make_executor

    executor = make_executor(args.executor, args.workers, args.scheduler)

    def run(target, dropped, seconds):
        return parallel_search(target, paths, claim.id, executor, workers=getattr(executor, "workers", 1) or 1,
                               budget=seconds, seed=args.seed, ladder=ladder, drop=tuple(dropped),
                               do_shrink=not args.no_shrink)
    return run, executor


def _record(ledger_path, claim, args, entries, t0):
    from symflat.runner.ledger import Ledger

    with Ledger(ledger_path) as led:
        run_id = led.start_run(command=f"search {claim.id}", seed=args.seed, dps=args.dps)
        for name, ev in entries:
            led.record(run_id, claim, name, ev, time.monotonic() - t0)
        led.finish_run(run_id)


def _print_evidence(claim, name, ev, replay_hint):
    print(f"{claim.id} [{name}]: {ev.status.value} - {ev.detail}")
    if "counterexample" in ev.data:
        values = json.dumps(ev.data["counterexample"].get("values", {}))
        print(f"  values: {values if len(values) <= 600 else values[:600] + ' ...'}")
        print(f"  replay: symflat search {claim.id}{replay_hint} --replay")


def _widen(claim, ineq, args, ledger_path) -> int:
    t0 = time.monotonic()
    only = None if args.widen == "*" else [args.widen]
    ladder = (args.dps, 2 * args.dps, 4 * args.dps)
    if args.replay:
        todo = [w for w in widenings(ineq) if only is None or w.label in only]
        if only and not todo:
            return _fail(f"{claim.id}: no widening {args.widen!r}; it has {[w.label for w in widenings(ineq)]}")
        found = [(w, _stored(ledger_path, claim.id, w.check_name)) for w in todo]
        found = [(w, c) for w, c in found if c is not None]
        if not found:
            return _fail(f"no stored widening counterexample for {claim.id} in {ledger_path}")
        ok = all(_replay(w.inequality, c, f"{claim.id} [{w.check_name}]") for w, c in found)
        return 0 if ok else 1
    results = widen(ineq, args.budget, seed=args.seed, ladder=ladder, only=only,
                    searcher=lambda wide, b: search(wide, budget=b, seed=args.seed, ladder=ladder,
                                                    shrink=not args.no_shrink, shrink_seconds=max(1.0, b / 2)))
    if not results:
        print(f"{claim.id}: its variables and dimensions have no wider domain to try")
        return 0
    entries = [(w.check_name, w.evidence()) for w in results]
    if not args.no_ledger:
        _record(ledger_path, claim, args, entries, t0)
    for w, (name, ev) in zip(results, entries):
        _print_evidence(claim, name, ev, f" --widen={w.label}")
    broken = [w.label for w in results if w.breaks]
    print(f"{claim.id}: {len(broken)} of {len(results)} widenings break it" + (f": {', '.join(broken)}" if broken else ""))
    return 0


def run(args) -> int:
    from symflat.discovery import UnknownClaimError, load_claims
    from symflat.runner.ledger import DEFAULT_PATH

    if not args.budget > 0:
        return _fail("--budget must be a positive number of seconds")
    if args.dps < 10:
        return _fail("--dps must be at least 10 digits")
    if args.seed < 0:
        return _fail(f"--seed must be a non-negative integer, got {args.seed}")
    if args.workers is not None and args.workers < 1:
        return _fail("--workers must be at least 1")
    if args.widen is not None and (args.drop or args.z3):
        return _fail("--widen cannot be combined with --drop or --z3")
    paths = args.paths or (["proofs"] if Path("proofs").is_dir() else [])
    if not paths:
        return _fail("no claim paths given and no ./proofs folder here")
    try:
        reg = load_claims(paths, [args.id])
        claim = reg.get(args.id)
    except (UnknownClaimError, FileNotFoundError) as e:
        return _fail(str(e))
    try:
        ineq = claim_inequality(claim)
        drop = check_drop(ineq, args.drop, f"claim {claim.id}")
    except SearchSetupError as e:
        return _fail(str(e))
    ladder = (args.dps, 2 * args.dps, 4 * args.dps)
    ledger_path = Path(args.ledger) if args.ledger else DEFAULT_PATH
    if args.widen is not None:
        try:
            return _widen(claim, ineq, args, ledger_path)
        except SearchSetupError as e:
            return _fail(str(e))
    name = _check_name(drop) + ("-z3" if args.z3 else "")

    if args.replay:
        cex = _stored(ledger_path, claim.id, name)
        if cex is None:
            return _fail(f"no stored counterexample for {claim.id} [{name}] in {ledger_path}")
        return 0 if _replay(ineq.drop(*drop) if drop else ineq, cex, claim.id) else 1

    t0 = time.monotonic()
    if args.z3:
        try:
            ev = _decide(claim, ineq.drop(*drop) if drop else ineq, name, args)
        except NotSupported as e:
            return _fail(f"{claim.id}: {e}")
    else:
        run_search, executor = _searcher(args, paths, claim, ladder)
        try:
            if drop:
                ev = ablate(ineq, drop, budget=args.budget, seed=args.seed, ladder=ladder, dps=args.dps,
                            searcher=run_search).evidence()
            else:
                ev = search_evidence(ineq, run_search(ineq, (), args.budget), dps=args.dps, seed=args.seed)
        finally:
            if executor is not None:
                executor.close()
    if not args.no_ledger:
        _record(ledger_path, claim, args, [(name, ev)], t0)
    _print_evidence(claim, name, ev, "".join(" --drop " + d for d in drop))
    if drop and ev.status.value != "refuted":
        return 0
    return 0 if claim.meets_expectation(ev.status, False) else 1
