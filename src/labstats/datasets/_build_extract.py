"""Rebuild the embedded NHANES extract from the CDC files, and prove it identical.

Run by hand (it needs the CDC files, which labstats does not ship)::

    python -m labstats.datasets._build_extract ../shared/data/nhanes

It reads every cycle of ``EXTRACT_CYCLES`` on its own with ``read_nhanes`` (all
components found; weights of that cycle; 2011-2012 testosterone as published), stacks
them, writes ``nhanes_extract.parquet`` beside this file (Parquet, zstd level 19, no
index), reads it back and checks it is frame-equal to what was built. It prints the
rows per cycle, the file size and its SHA-256, and the files that were absent (their
columns are NaN, e.g. albumin of 2021-2023). For the same versions of pandas and
pyarrow the file is byte-for-byte reproducible.
"""

from __future__ import annotations

import hashlib
import io
import sys
import warnings
from pathlib import Path

from labstats.datasets.embedded import EXTRACT, EXTRACT_CYCLES


def build_extract(directory):
    """The extract table, built from the CDC files in ``directory`` with ``read_nhanes``.

    Returns the frame and the messages of the warnings raised (absent files).
    """
    import pandas as pd

    from labstats.datasets.nhanes import read_nhanes

    frames, notes = [], []
    for cycle in EXTRACT_CYCLES:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frames.append(read_nhanes(directory, [cycle]))
        notes += [str(w.message) for w in caught]
    table = pd.concat(frames, ignore_index=True)
    if table["seqn"].duplicated().any():
        raise ValueError("a SEQN appears in two cycles; are two cycles' files mixed up?")
    return table, notes


def to_parquet_bytes(table) -> bytes:
    """The bytes of the shipped file for ``table`` (deterministic for given versions)."""
    buf = io.BytesIO()
    table.to_parquet(buf, engine="pyarrow", compression="zstd", compression_level=19,
                     index=False)
    return buf.getvalue()


def main(argv=None) -> int:
    import pandas as pd

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m labstats.datasets._build_extract <folder with the CDC files>",
              file=sys.stderr)
        return 2
    table, notes = build_extract(Path(args[0]))
    data = to_parquet_bytes(table)
    if to_parquet_bytes(table) != data:
        raise RuntimeError("pyarrow wrote two different files for the same table")
    EXTRACT.write_bytes(data)
    back = pd.read_parquet(EXTRACT)
    pd.testing.assert_frame_equal(back, table, check_exact=True)
    for note in notes:
        print("note:", note)
    print(table["cycle"].value_counts(sort=False).to_string())
    print(f"{len(table):,} participants x {table.shape[1]} columns -> {EXTRACT} "
          f"({len(data):,} bytes, SHA-256 {hashlib.sha256(data).hexdigest()}); read back: "
          f"identical")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
