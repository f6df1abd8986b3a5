"""The ``symflat`` command.

Kernel commands: ``check``, ``show``, ``graph``, ``history``. Engine commands live in their own
modules, each exposing ``configure(parser)`` and ``run(args) -> int`` (see ``EXTENSIONS``).
Exit codes: 0 success, 1 a claim missed its expectation (or a check errored), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from symflat.claims import Status, status_scope
from symflat.discovery import UnknownClaimError, load_claims
from symflat.errors import SymflatError, argument_type, check_int, check_real
from symflat.report.output import emit_json

EXTENSIONS = {
    "search": ("symflat.search.cli", "hunt for counterexamples to a claim's inequality"),
    "sharpness": ("symflat.numeric.cli", "sharpness (top Hessian eigenvalue) of a model at given weights"),
    "experiment": ("symflat.numeric.experiments_cli", "run a sweep experiment and draw its figure"),
}
BENCHES = {
    "symbolic": ("symflat.bench.symbolic", "scalar-chain Hessian at a minimum: symflat vs naive SymPy"),
    "precision": ("symflat.bench.precision", "instances per second in float64, mpmath and arb (certified)"),
    "sharpness": ("symflat.bench.sharpness", "time to the top Hessian eigenvalue vs PyHessian, curvlinops, hessian-eigenthings"),
}


class UsageError(SymflatError):
    """Bad command-line input: reported on one line, exit code 2."""


def _default_paths(paths: list[str]) -> list[str]:
    if paths:
        return paths
    if Path("proofs").is_dir():
        return ["proofs"]
    raise UsageError("no claim paths given and no ./proofs folder here")


def _load(paths, claim_ids=()):
    try:
        return load_claims(_default_paths(paths), claim_ids)
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    except UnknownClaimError as e:
        raise UsageError(str(e)) from None


def _ledger_path(args):
    from symflat.runner.ledger import DEFAULT_PATH

    return Path(args.ledger) if args.ledger else DEFAULT_PATH


def _last_known(reg, path: Path):
    """Each claim's evidence from its latest run in the ledger, and the own status it gives."""
    from symflat.runner.ledger import Ledger

    evidence = {}
    if path.exists():
        with Ledger(path) as led:
            evidence = {cid: led.last_evidence(cid) for cid in reg.claims}
    statuses = {cid: c.own_status([e for _, e in evidence.get(cid, [])]) for cid, c in reg.claims.items()}
    return evidence, statuses


# ---------------------------------------------------------------- check
def cmd_check(args) -> int:
    from symflat.report.table import run_table
    from symflat.runner.compare import regressions
    from symflat.runner.ledger import Ledger
    from symflat.runner.session import RunOptions, run_claims

    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.dps < 5:
        raise UsageError("--dps must be at least 5 decimal digits")
    reg = _load(args.paths, args.claim)
    ledger_path = None if args.no_ledger else _ledger_path(args)
    opts = RunOptions(executor=args.executor, workers=args.workers, scheduler=args.scheduler, seed=args.seed,
                      dps=args.dps, budget=args.budget, ledger=ledger_path,
                      progress=False if args.no_progress else None)
    report = run_claims(reg, opts)
    out = sys.stderr if args.json == "-" else sys.stdout
    for e in report.registry_errors:
        print(f"error: {e}", file=sys.stderr)
    for o in report.outcomes:
        for name, ev in o.evidence:
            if ev.is_error:
                print(f"error: {o.claim.id} [{name}]: {ev.detail}", file=sys.stderr)
    print(run_table(report), file=out)
    found = []
    if args.compare and ledger_path and report.run_id is not None:
        with Ledger(ledger_path) as led:
            found = regressions(led, report.run_id, report.outcomes, args.slack_tol)
        print("\n".join(["regressions against the previous run:", *("  " + f for f in found)])
              if found else "no regressions against the previous run", file=out)
    if args.json:
        emit_json({**report.to_json(), "regressions": found}, args.json)
    return 0 if report.ok and not found else 1


# ---------------------------------------------------------------- show
def cmd_show(args) -> int:
    from symflat.graph import lemma_graph
    from symflat.runner.ledger import Ledger

    reg = _load(args.paths + args.more_paths)
    c = reg.get(args.id)
    g = lemma_graph(reg.claims)
    lines = [f"{c.id}  ({c.kind})", f"  statement:  {c.statement}"]
    src = ", ".join(x for x in [c.paper, c.where, f"eq. {c.eq}" if c.eq else ""] if x)
    lines.append(f"  source:     {src}  [{Path(c.file).name}:{c.line}]")
    for label, items in [("hypotheses", c.hypotheses), ("uses", c.uses), ("proof uses", c.proof_uses),
                         ("used by", sorted(g.successors(c.id)))]:
        lines.append(f"  {label + ':':<11} {', '.join(items) if items else '-'}")
    if c.expect:
        lines.append(f"  expected:   {c.expect.value}")
    if c.cite:
        lines.append(f"  cited from: {c.cite}")
    if c.corrects:
        lines.append(f"  corrects:   {c.corrects}")
    corrected_by = [o.id for o in reg.claims.values() if o.corrects == c.id]
    if corrected_by:
        lines.append(f"  corrected by: {', '.join(corrected_by)}")
    if c.note:
        lines.append(f"  note:       {c.note}")
    if c.about:
        lines.append(f"  about:      {c.about}  (a claim about one object: that object is its whole scope)")
    if c.outline:
        lines.append(f"  outline:    {' -> '.join(c.outline)}  (proved only when every step and the implication are)")
    for e in reg.errors_for(c.id):
        lines.append(f"  problem:    {e.problem}")
    lines.append(f"  checks:     {', '.join(ch.name for ch in c.checks) or '-'}")
    path = _ledger_path(args)
    past = []
    if path.exists():
        with Ledger(path) as led:
            run = led.last_run_with(c.id)
            past = led.results(c.id, run) if run is not None else []
    if past:
        own = c.own_status([r.evidence for r in past])
        lines.append(f"  status:     {own.value}, scope {status_scope(own) or '-'}  (run {past[0].run_id})")
        for r in past:
            lines.append(f"  evidence [{r.check_name}]: {r.status.value} ({r.evidence.scope_text()}): {r.evidence.detail}")
            for k, v in r.evidence.data.items():
                if k == "counterexample":
                    lines.append(f"      counterexample: {json.dumps(v, default=str)}")
                elif k == "traceback":
                    lines.append("      traceback:")
                    lines.extend("        " + t for t in str(v).rstrip().splitlines())
                elif k not in ("error", "scope", "instances", "cases"):
                    lines.append(f"      {k}: {v}")
    else:
        lines.append(f"  status:     {c.own_status([]).value}  (no run recorded in {path})")
    print("\n".join(lines))
    return 0


# ---------------------------------------------------------------- graph
def cmd_graph(args) -> int:
    from symflat.graph import impact, lemma_graph, propagate_support, supports, to_dot, to_json, to_text_tree

    reg = _load(args.paths + args.more_paths)
    g = lemma_graph(reg.claims)
    _, statuses = _last_known(reg, _ledger_path(args))
    propagate_support(g, statuses)
    if args.id:
        reg.get(args.id)
        nodes = {args.id}
        if not args.used_by:
            nodes |= supports(g, args.id)
        if not args.uses:
            nodes |= impact(g, args.id)
        g = g.subgraph(nodes).copy()
    if args.format == "json":
        print(to_json(g))
    elif args.format == "dot":
        print(to_dot(g))
    else:
        if not args.id:
            raise UsageError("the text format draws the tree of one claim: give an ID (or use --format json|dot)")
        direction = "used-by" if args.used_by else "uses"
        print(to_text_tree(g, args.id, direction))
        if not args.uses and not args.used_by:
            print()
            print(to_text_tree(g, args.id, "used-by"))
    return 0


# ---------------------------------------------------------------- report
def cmd_report(args) -> int:
    """Build the HTML blueprint from each claim's last run in the ledger (no checks are run)."""
    from symflat.graph import lemma_graph, propagate_support
    from symflat.report.history import load_history
    from symflat.report.html import ReportError, write_blueprint

    reg = _load(args.paths)
    ledger = _ledger_path(args)
    evidence, statuses = _last_known(reg, ledger)
    g = lemma_graph(reg.claims)
    support = propagate_support(g, statuses)
    history = load_history(ledger, reg.claims)
    runs = sorted({p.run_id for pts in history.values() for p in pts})
    note = (f"evidence from ledger run{'s' if len(runs) > 1 else ''} {runs[0]}" + (f"-{runs[-1]}" if len(runs) > 1 else "")
            if runs else f"no ledger at {ledger}: statuses are those without evidence; run 'symflat check' first")
    figures = Path(args.figures) if args.figures else Path("docs/figures")
    if args.figures and not figures.is_dir():
        raise UsageError(f"--figures {args.figures}: no such folder")
    try:
        files = write_blueprint(reg, statuses, support, evidence, g, Path(args.html), history=history,
                                figures_dir=figures if figures.is_dir() else None, run_note=note)
    except ReportError as e:
        print(f"symflat report: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {len(files)} pages to {args.html} (open {files[0]}); {note}")
    return 0


# ---------------------------------------------------------------- history
def cmd_history(args) -> int:
    from symflat.report.table import history_table
    from symflat.runner.ledger import Ledger

    path = _ledger_path(args)
    if not path.exists():
        raise UsageError(f"no ledger at {path}: run 'symflat check' first")
    with Ledger(path) as led:
        results = led.results(args.id)
    if args.id and not results:
        raise UsageError(f"no results recorded for {args.id!r} in {path}")
    print(history_table(results[-args.limit:] if args.limit else results))
    return 0


# ---------------------------------------------------------------- bench
def cmd_bench(args) -> int:
    module = importlib.import_module(BENCHES[args.bench_name][0])
    return module.run(args)


def _common(p, ledger: bool = True, paths: bool = True) -> None:
    if paths:  # positional after the id, as in `symflat search ID [PATH...]`, or as --path
        p.add_argument("paths", nargs="*", metavar="PATH", help="claim files or folders to load (default: ./proofs)")
        p.add_argument("--path", dest="more_paths", action="append", default=[], metavar="PATH",
                       help="the same, as an option; repeatable")
    if ledger:
        p.add_argument("--ledger", metavar="PATH", help="ledger file (default: .symflat/ledger.sqlite)")


def build_parser(wanted: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``wanted`` is the command about to run (its extension is configured)."""
    parser = argparse.ArgumentParser(prog="symflat", description="Executable claims about flat minima, sharpness and gradient dynamics.")
    parser.add_argument("--version", action="version", version="symflat 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("check", help="run the checks of claims and print their status", description=cmd_check.__doc__)
    p.add_argument("paths", nargs="*", metavar="PATH", help="claim files or folders (default: ./proofs)")
    p.add_argument("--claim", action="append", default=[], metavar="ID", help="run only this claim; repeatable")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE ('-' for stdout)")
    p.add_argument("--executor", choices=["serial", "process", "dask"], default="process")
    p.add_argument("--workers", type=argument_type(check_int, "--workers", minimum=1), default=None,
                   help="parallel workers (default: number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="dask scheduler address (default: start a LocalCluster)")
    p.add_argument("--seed", type=argument_type(check_int, "--seed", minimum=0), default=0,
                   help="random seed handed to every check, >= 0 (default 0)")
    p.add_argument("--dps", type=argument_type(check_int, "--dps", minimum=5), default=30,
                   help="decimal digits for high-precision checks, >= 5 (default 30)")
    p.add_argument("--budget", type=argument_type(check_real, "--budget", float, minimum=0, strict_min=True), default=60.0,
                   help="time budget of one check in seconds, > 0 (default 60)")
    p.add_argument("--compare", action="store_true", help="report regressions against each claim's previous run")
    p.add_argument("--slack-tol", type=argument_type(check_real, "--slack-tol", float, minimum=0), default=1e-9,
                   help="relative slack shrink that --compare tolerates")
    p.add_argument("--no-ledger", action="store_true", help="do not record this run")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _common(p, paths=False)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("show", help="statement, edges and last evidence of one claim")
    p.add_argument("id", metavar="ID")
    _common(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("graph", help="the lemma graph around a claim (text tree, JSON or DOT)")
    p.add_argument("id", metavar="ID", nargs="?", help="claim id (default: the whole graph, json/dot only)")
    way = p.add_mutually_exclusive_group()
    way.add_argument("--uses", action="store_true", help="only what the claim rests on")
    way.add_argument("--used-by", action="store_true", help="only what would fall with the claim")
    p.add_argument("--format", choices=["text", "json", "dot"], default="text")
    _common(p)
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("report", help="write an HTML blueprint of the claims and their last evidence")
    p.add_argument("paths", nargs="*", metavar="PATH", help="claim files or folders (default: ./proofs)")
    p.add_argument("--html", metavar="DIR", default="blueprint", help="output folder (default: ./blueprint)")
    p.add_argument("--ledger", metavar="PATH", help="ledger file (default: .symflat/ledger.sqlite)")
    p.add_argument("--figures", metavar="DIR", help="folder of <paper>_fig<N>.png figures (default: ./docs/figures if present)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("history", help="how claims' statuses and slacks moved across runs")
    p.add_argument("id", metavar="ID", nargs="?")
    p.add_argument("--limit", type=argument_type(check_int, "--limit", minimum=0), default=0,
                   help="show only the last N results (0: all)")
    _common(p, paths=False)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("bench", help="benchmarks against the peers named in the issues")
    bench_sub = p.add_subparsers(dest="bench_name", metavar="NAME", required=True)
    for name, (module_name, help_text) in BENCHES.items():
        _add_extension(bench_sub, name, module_name, help_text, wanted == "bench", func=cmd_bench)
    for name, (module_name, help_text) in EXTENSIONS.items():
        _add_extension(sub, name, module_name, help_text, wanted == name)
    return parser


def _module_file(module_name: str) -> Path:
    """Where a ``symflat.*`` module's source lives, found without importing anything."""
    parts = module_name.split(".")[1:]
    return Path(__file__).parent.joinpath(*parts).with_suffix(".py")


def _add_extension(sub, name, module_name, help_text, configure: bool, func=None) -> None:
    """A subcommand implemented in its own module. The module (and the libraries it pulls in) is
    imported only when its command is the one being run, so the kernel commands start fast."""
    if not _module_file(module_name).exists():  # find_spec would import the parent package
        return
    ep = sub.add_parser(name, help=help_text)
    if configure:
        module = importlib.import_module(module_name)
        module.configure(ep)
        ep.set_defaults(func=func or module.run)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(next((a for a in argv if not a.startswith("-")), None))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UsageError, UnknownClaimError) as e:
        print(f"symflat {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return 0
    except Exception as e:  # a clear line, never a deep traceback
        from symflat.graph import GraphError
        from symflat.runner.executors import ExecutorError
        from symflat.runner.ledger import LedgerError

        if isinstance(e, (GraphError, ExecutorError, LedgerError, ValueError, OSError)):  # OSError: a path that cannot be written
            print(f"symflat {args.command}: error: {e}", file=sys.stderr)
            return 2 if isinstance(e, (GraphError, ValueError)) else 1
        raise


if __name__ == "__main__":
    sys.exit(main())
