"""Writing a command's machine-readable output: JSON to a file, or to stdout for ``-``."""

from __future__ import annotations

import json
from pathlib import Path


def emit_json(data, target: str, *, indent: int = 2, default=str) -> None:
    """Serialise ``data`` and write it to the file ``target``, or print it when ``target`` is ``-``."""
    text = json.dumps(data, indent=indent, default=default)
    if target == "-":
        print(text)
    else:
        Path(target).write_text(text + "\n")
