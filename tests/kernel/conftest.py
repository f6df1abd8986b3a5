"""Fixtures that write small claim folders to a temporary directory."""

import itertools
import textwrap

import pytest

_counter = itertools.count()


@pytest.fixture
def claim_folder(tmp_path):
    """``make(files: dict[name, source]) -> (folder, paper_id)``: a package of claim files.

    Each call gets a unique package and paper id so modules never collide across tests. In the
    sources, ``PAPER`` stands for the paper id.
    """

    def make(files: dict[str, str]):
        n = next(_counter)
        pkg, pid = f"kpkg{n}_{tmp_path.name.replace('-', '_')}", f"kpaper-{n}"
        folder = tmp_path / "proofs" / pkg
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text(f"from symflat import Paper\npaper = Paper({pid!r}, title='test paper')\n")
        for name, src in files.items():
            (folder / name).write_text(textwrap.dedent(src).replace("PAPER", pid))
        return folder, pid

    return make
