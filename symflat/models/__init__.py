"""Network families as plain data.

A model says which weights exist and how they are laid out in the parameter vector; it holds no
SymPy, mpmath or array-library objects, so the exact, high-precision and numeric engines all read
the same description.

Parameter vector layout (shared by every engine): the weights are listed layer by layer, first
layer first, and each matrix ``W_j`` (shape ``d_j x d_{j-1}``) is flattened *column-major*, i.e.
``vec(W_j)`` stacks its columns, as in Mulayoff & Michaeli 2020, eq. (1): ``w = vec([W_1, ..., W_m])``.
Vectors (biases, output vectors) are stored as they are.
"""

from symflat.models.data import Moments, Points
from symflat.models.networks import (
    DeepLinear,
    DeepNetwork,
    LinearWithOutput,
    ModelError,
    ReluOneHidden,
    ScalarChain,
    Block,
)

__all__ = [
    "Block",
    "DeepLinear",
    "DeepNetwork",
    "LinearWithOutput",
    "ModelError",
    "Moments",
    "Points",
    "ReluOneHidden",
    "ScalarChain",
]
