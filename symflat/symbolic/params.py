"""The weights of a model as SymPy symbols, in the parameter-vector layout shared by all engines.

Layout (``symflat.models``): blocks in order, each matrix ``W_j`` flattened column-major
(``vec``, Mulayoff & Michaeli 2020, eq. 1); vectors as they are. :class:`Parameters` turns a flat
value vector into per-block matrices and back, and builds the substitution for a point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from symflat.symbolic.errors import SymbolicError
from symflat.symbolic.exact import as_matrix, to_exact


def vec(m: sp.MatrixBase) -> list:
    """Column-major flattening ``vec(M)`` (stack the columns)."""
    if not isinstance(m, sp.MatrixBase):
        raise SymbolicError(f"vec: m must be a SymPy matrix, got {type(m).__name__}")
    return [m[i, j] for j in range(m.shape[1]) for i in range(m.shape[0])]


def unvec(values, rows: int, cols: int) -> sp.Matrix:
    """Inverse of :func:`vec`: a ``rows x cols`` matrix from its column-major entries."""
    values = list(values)
    if len(values) != rows * cols:
        raise SymbolicError(f"unvec: {len(values)} values cannot fill a {rows}x{cols} matrix")
    return sp.Matrix(rows, cols, lambda i, j: values[j * rows + i])


def _block_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    return (shape[0], 1) if len(shape) == 1 else (shape[0], shape[1])


def _entry_symbol(block: str, shape: tuple[int, int], i: int, j: int) -> sp.Symbol:
    rows, cols = shape
    if rows * cols == 1:
        return sp.Symbol(block, real=True)
    if cols == 1:
        return sp.Symbol(f"{block}_{i + 1}", real=True)
    sep = "" if max(rows, cols) < 10 else ","
    return sp.Symbol(f"{block}_{i + 1}{sep}{j + 1}", real=True)


@dataclass(frozen=True)
class Parameters:
    """Symbols for every weight of ``model``: ``blocks`` (name -> matrix of symbols; vectors are
    columns) and ``vector`` (all symbols in the shared vec layout)."""

    model: object
    blocks: dict
    vector: tuple

    @classmethod
    def of(cls, model) -> "Parameters":
        if not hasattr(model, "blocks") or not hasattr(model, "num_params"):
            raise SymbolicError(f"model must be one of symflat.models' families (DeepLinear, ScalarChain, ...), got {model!r:.80}")
        blocks = {}
        for b in model.blocks:
            shape = _block_shape(b.shape)
            blocks[b.name] = sp.Matrix(*shape, lambda i, j, b=b, shape=shape: _entry_symbol(b.name, shape, i, j))
        vector = tuple(s for m in blocks.values() for s in vec(m))
        return cls(model, blocks, vector)

    def __len__(self) -> int:
        return len(self.vector)

    def matrices(self) -> list[sp.Matrix]:
        return list(self.blocks.values())

    def values_to_blocks(self, values) -> dict:
        """Per-block exact matrices from a point: a flat vector in vec layout, or a mapping
        block name -> matrix (all blocks), or a sequence of per-block matrices."""
        if isinstance(values, dict):
            missing = [n for n in self.blocks if n not in values]
            if missing:
                raise SymbolicError(f"point is missing the blocks {missing}; blocks are {list(self.blocks)}")
            return {n: as_matrix(values[n], f"block {n}", m.shape) for n, m in self.blocks.items()}
        seq = values.tolist() if isinstance(values, np.ndarray) and values.ndim == 1 else values
        seq = list(seq)
        if seq and all(_is_matrix_like(v) for v in seq):
            if len(seq) != len(self.blocks):
                raise SymbolicError(f"point has {len(seq)} matrices but the model has {len(self.blocks)} blocks")
            return {n: as_matrix(v, f"block {n}", m.shape) for (n, m), v in zip(self.blocks.items(), seq)}
        if len(seq) != len(self.vector):
            raise SymbolicError(f"point has {len(seq)} entries but the model has {len(self.vector)} parameters")
        out, k = {}, 0
        for n, m in self.blocks.items():
            size = m.shape[0] * m.shape[1]
            out[n] = unvec([to_exact(v, f"parameter {k + i}") for i, v in enumerate(seq[k:k + size])], *m.shape)
            k += size
        return out

    def substitution(self, values) -> dict:
        """``{symbol: exact value}`` for a point (any form accepted by :meth:`values_to_blocks`)."""
        blocks = self.values_to_blocks(values)
        return {s: v for n in self.blocks for s, v in zip(vec(self.blocks[n]), vec(blocks[n]))}

    def latex_names(self) -> dict:
        """``{symbol: LaTeX}`` giving ``W^{(j)}_{r,c}`` for matrix entries and ``b^{(1)}_{i}`` for
        vector entries (scalar weights keep ``w_{j}``); pass to ``sympy.latex(..., symbol_names=)``."""
        names = {}
        for block, M in self.blocks.items():
            head = block.rstrip("0123456789")
            index = block[len(head):]
            head = "\\theta" if head == "theta" else head
            rows, cols = M.shape
            for i in range(rows):
                for j in range(cols):
                    if rows * cols == 1:
                        names[M[i, j]] = f"{head}_{{{index}}}" if index else head
                    else:
                        sub = f"{i + 1}" if cols == 1 else f"{i + 1},{j + 1}"
                        names[M[i, j]] = f"{head}^{{({index})}}_{{{sub}}}" if index else f"{head}_{{{sub}}}"
        return names

    def to_vec(self, values) -> list:
        """The point as one flat exact list in the shared vec layout."""
        blocks = self.values_to_blocks(values)
        return [v for n in self.blocks for v in vec(blocks[n])]


def _is_matrix_like(v) -> bool:
    return isinstance(v, sp.MatrixBase) or (hasattr(v, "__len__") and not isinstance(v, (str, sp.Basic)))
