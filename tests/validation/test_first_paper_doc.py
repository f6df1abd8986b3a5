"""docs/first-paper.md runs as written (issue 17, part 7).

Its ```python blocks are taken in order: a block whose first line is ``# proofs/<path>.py`` is
written to that file of an empty folder, every other block is executed there (all of them in one
fresh interpreter, in order). Then the ``symflat check`` command the guide shows is run on the toy
paper it built, and the statuses are compared with the mathematics of the toy model: the printed
bound ``lambda_max <= 4|sigma_xy|`` is false (an unbalanced minimum is sharper), its correction
holds, and the Hessian identity is exact.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "first-paper.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def _blocks(kind: str) -> list[str]:
    return [body for lang, body in FENCE.findall(DOC.read_text()) if lang == kind]


def _run_symflat(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    code = "import sys; from symflat.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_every_python_block_runs_and_the_toy_paper_checks(tmp_path):
    files, script = [], []
    for body in _blocks("python"):
        first = body.splitlines()[0].strip()
        if first.startswith("# proofs/") and first.endswith(".py"):
            path = tmp_path / first[2:]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
            files.append(path)
        else:
            script.append(body)
    assert len(files) >= 5 and len(script) >= 4, "the guide should build a paper and show the API"
    run = subprocess.run([sys.executable, "-c", "\n".join(script)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, f"a code block of the guide failed:\n{run.stderr[-3000:]}"

    commands = [line[2:] for body in _blocks("console") for line in body.splitlines()
                if line.startswith("$ symflat check ")]
    assert len(commands) == 1
    argv = shlex.split(commands[0])[1:] + ["--json", "results.json", "--no-progress"]
    check = _run_symflat(argv, tmp_path)
    assert check.returncode == 0, f"symflat check failed on the guide's paper:\n{check.stdout[-3000:]}\n{check.stderr[-3000:]}"

    results = json.loads((tmp_path / "results.json").read_text())
    claims = {c["id"].split("/")[-1]: c for c in results["claims"]}
    assert set(claims) >= {"model", "loss", "a1", "a2", "eq-hessian", "sharpness-bound", "sharpness-bound-corrected",
                           "flattest-example", "gd-stable-minimum"}
    assert claims["sharpness-bound"]["status"] == "refuted"
    assert claims["sharpness-bound-corrected"]["status"] == "proved"
    assert claims["eq-hessian"]["status"] == "proved"
    assert claims["gd-stable-minimum"]["status"] == "checked"
    assert claims["theorem-flattest"]["status"] == "proved"


def test_the_guide_lists_the_claim_kinds_the_kernel_has():
    from symflat.claims import KINDS

    text = DOC.read_text()
    assert all(f'"{kind}"' in text for kind in KINDS)


def test_the_readme_links_the_guide():
    readme = (DOC.parents[1] / "README.md").read_text()
    assert "docs/first-paper.md" in readme
