"""Inputs that hold the same rows (part of the validation layer, re-exported by
``labstats._validate``): scalars broadcast against arrays, arrays of one shape against each
other, never two arrays into every combination of their rows."""

from __future__ import annotations

import math

import numpy as np


def broadcast_rows(arrays, names=None):
    """``np.broadcast_arrays(*arrays)`` for inputs that hold the same rows: scalars with
    arrays, or arrays that broadcast without making new cells (``check_rows``)."""
    shapes = [np.shape(a) for a in arrays]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return np.broadcast_arrays(*arrays)  # numpy's message for lengths that differ
    check_rows(shapes, names)
    return np.broadcast_arrays(*arrays)


def check_rows(shapes, names=None) -> None:
    """Refuse input shapes (that broadcast) whose broadcast has more cells than the largest
    input: an outer product, e.g. an (n, 1) column (``df[["x"]].to_numpy()``,
    ``x.reshape(-1, 1)``) against an (n,) array gives n x n results from n rows (80 GB at
    n = 100,000). ``names`` (one per shape) name the two inputs in the message."""
    if all(len(s) <= 1 for s in shapes):  # scalars and 1-D arrays: row by row, or an error
        return
    shape = np.broadcast_shapes(*shapes)
    sizes = [math.prod(s) for s in shapes]
    if math.prod(shape) <= max(sizes, default=1):
        return
    i = int(np.argmax(sizes))
    j = next(k for k, s in enumerate(shapes)
             if np.prod(np.broadcast_shapes(shapes[i], s)) > sizes[i])
    who = names if names is not None else [f"input {k + 1}" for k in range(len(shapes))]
    raise ValueError(
        f"{who[j]} (shape {shapes[j]}) and {who[i]} (shape {shapes[i]}) would broadcast to "
        f"{shape}: {int(np.prod(shape)):,} results from {max(sizes):,} values, every "
        "combination of their rows, not row by row. Pass 1-D arrays of one length (e.g. "
        "x.ravel(), or a column as df['x'], not df[['x']]); for a grid of every "
        "combination, make it with np.meshgrid and pass its arrays")
