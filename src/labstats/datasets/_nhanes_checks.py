"""Is an NHANES file whole? Structural checks of XPT and CSV files, and the CDC record counts.

A cut file must never read as a shorter one. Two independent defences:

* **Structure** (any file, counts known or not). XPT: a SAS transport file is a sequence of
  80-byte records, so its size is a multiple of 80; after the header, observations of a
  fixed length follow, and only blanks (ASCII spaces, fewer than 80 bytes) may follow the
  last one. A cut inside an observation leaves a partial one, which is detected. CSV: a
  line with fewer fields than the header (a ragged line) is an error, never NaN padding;
  the last line must end with a line break, since every CSV writer ends its last line and
  a cut rarely falls exactly after one; a quote left open at the end is a cut too.
* **Record counts** from the CDC codebooks (``nhanes_counts.csv`` beside this file), for
  the files whose counts are known. A cut that falls exactly on an observation boundary
  and an 80-byte boundary (every 10 observations of TST_H), or exactly after a CSV line
  break, is structurally invisible; only the count catches it.

What cannot be detected: a cut exactly at a boundary of a file whose count is not known
(for example the 2021-2023 files other than DEMO_L and TST_L), and a file edited value by
value with its structure kept. ``fetch_nhanes`` accepts ``sha256=`` for the latter.

Also here: the error for a damaged file (with how to download it again), the bytes of a
(compressed) CSV file and the XPT signature, used by ``read_nhanes_file`` and ``fetch``.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import numpy as np

from labstats.datasets._nhanes_layout import COMPONENTS, CYCLES

COUNTS_FILE = Path(__file__).with_name("nhanes_counts.csv")
_RECORD = 80
_HEADER = b"HEADER RECORD*******"
_SPACE = b" "


class IncompleteFileError(ValueError):
    """A file whose structure shows it was cut off (or damaged); ``records``: the complete
    records before the damage, when known."""

    def __init__(self, message: str, records: int | None = None):
        super().__init__(message)
        self.records = records


@functools.lru_cache(maxsize=1)
def codebook_counts() -> tuple[dict, ...]:
    """The CDC codebook counts shipped with labstats, one dict per row of ``nhanes_counts.csv``.

    Keys: ``cycle``, ``file``, ``variable``, ``column``, ``statistic`` (``rows``,
    ``non_missing``, ``below_lod``, ``at_or_above_lod``, ``positive``, ``zero``) and
    ``expected`` (int).
    """
    with open(COUNTS_FILE, encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return tuple({**r, "expected": int(r["expected"])} for r in rows)


def expected_records(stem: str) -> int | None:
    """CDC codebook record count of the file ``stem`` (e.g. ``"TST_H"``), or None if unknown."""
    stem = stem.upper()
    for row in codebook_counts():
        if row["file"] == stem and row["statistic"] == "rows":
            return row["expected"]
    return None


def file_stem(path: Path) -> str:
    """``TST_H.XPT``, ``tst_h.csv.xz`` -> ``TST_H``."""
    return path.name.split(".", 1)[0].upper()


def _headers(head: bytes) -> dict[bytes, list[int]]:
    """Offsets of the 80-byte header records in ``head``, by name (``b"OBS     "``, ...)."""
    found: dict[bytes, list[int]] = {}
    pos = head.find(_HEADER)
    while pos >= 0:
        if pos % _RECORD == 0:
            found.setdefault(head[pos + 20:pos + 28], []).append(pos)
        pos = head.find(_HEADER, pos + 1)
    return found


def xpt_records(path: Path) -> tuple[int, str | None]:
    """Number of complete observations of a one-member XPT file, and its member name.

    Raises ``IncompleteFileError`` if the file is not a whole number of 80-byte records,
    its header is incomplete, or its last observation is incomplete.
    """
    size = path.stat().st_size
    if size % _RECORD:
        raise IncompleteFileError(
            f"{size:,} bytes is not a whole number of 80-byte records, so the file was cut off "
            f"(the last {size % _RECORD} bytes are part of a record)")
    with open(path, "rb") as fh:
        head = fh.read(min(size, 1 << 20))
        found = _headers(head)
        members = found.get(b"MEMBER  ", []) + found.get(b"MEMBV8  ", [])
        names = found.get(b"NAMESTR ", []) + found.get(b"NAMSTV8 ", [])
        obs = found.get(b"OBS     ", []) + found.get(b"OBSV8   ", [])
        if not (members and names and obs):
            raise IncompleteFileError("the file ends inside its header (no observation header "
                                      "record), so it was cut off")
        if len(members) > 1:  # not an NHANES layout: only the 80-byte rule applies
            return -1, None
        width = 32 if found.get(b"MEMBV8  ") else 8  # data set name: 8 characters (v5), 32 (v8)
        member = head[members[0] + 2 * _RECORD + 8:members[0] + 2 * _RECORD + 8 + width].split()
        member_name = member[0].decode("latin1") if member else None
        name_len = int(head[members[0] + 74:members[0] + 78] or b"140")
        start = names[0] + _RECORD
        later = [p for offsets in found.values() for p in offsets if p > names[0]]
        end = min(later)
        obs_len = 0
        for k in range((end - start) // name_len):
            rec = head[start + k * name_len:start + (k + 1) * name_len]
            if int.from_bytes(rec[6:8], "big") != k + 1:  # varnum: padding reached
                break
            length, position = int.from_bytes(rec[4:6], "big"), int.from_bytes(rec[84:88], "big")
            obs_len = max(obs_len, position + length)
        data_start = obs[0] + _RECORD
        total = size - data_start
        if obs_len == 0:
            return 0, member_name
        n = total // obs_len
        fh.seek(data_start + max(n - _RECORD // obs_len - 2, 0) * obs_len)
        tail_start = fh.tell()
        tail = fh.read()
    rest = tail[data_start + n * obs_len - tail_start:]
    if rest.strip(_SPACE) or len(rest) >= _RECORD:
        raise IncompleteFileError(
            f"its last observation is incomplete ({len(rest)} of {obs_len} bytes), so the file "
            f"was cut off", records=n)
    # Blank padding may be longer than an observation when observations are short.
    while n > 0 and total - (n - 1) * obs_len < _RECORD:
        block = tail[data_start + (n - 1) * obs_len - tail_start:data_start + n * obs_len
                     - tail_start]
        if block.strip(_SPACE):
            break
        n -= 1
    return n, member_name


def check_csv_text(raw: bytes) -> None:
    """Raise ``IncompleteFileError`` if CSV bytes end without a line break, in an open quote,
    or hold a line with fewer comma-separated fields than the header (all vectorised)."""
    if not raw.strip():
        raise IncompleteFileError("the file is empty")
    if raw[-1:] not in (b"\n", b"\r"):
        last = raw.rstrip(b"\r\n").rsplit(b"\n", 1)[-1][-40:].decode("latin1")
        raise IncompleteFileError(
            f"its last line does not end with a line break ('...{last}'), so the file was "
            f"probably cut off and its last value may be cut mid-number (55.92 read as 5). If "
            f"the file is complete, add a line break at its end",
            records=max((raw.count(b"\n") or raw.count(b"\r")) - 1, 0))
    buf = np.frombuffer(raw, dtype=np.uint8)
    newline = ord("\n") if b"\n" in raw else ord("\r")
    is_quote = buf == ord('"')
    if is_quote.any():
        inside = np.bitwise_xor.accumulate(is_quote.astype(np.uint8)).astype(bool)
        if inside[-1]:
            raise IncompleteFileError("the file ends inside a quoted field, so it was cut off")
        outside = ~inside
    else:
        outside = np.ones(len(buf), dtype=bool)
    ends = np.flatnonzero((buf == newline) & outside)
    commas = np.flatnonzero((buf == ord(",")) & outside)
    per_line = np.bincount(np.searchsorted(ends, commas), minlength=len(ends))[:len(ends)]
    starts = np.concatenate(([0], ends[:-1] + 1))
    length = ends - starts - (buf[np.maximum(ends - 1, 0)] == ord("\r"))
    blank = length <= 0  # pandas skips blank lines
    fields = per_line + 1
    header = fields[np.flatnonzero(~blank)[0]]
    short = np.flatnonzero(~blank & (fields < header))
    if short.size:
        line = int(short[-1])
        raise IncompleteFileError(
            f"line {line + 1} has {int(fields[line])} fields, the header {int(header)} "
            f"({short.size} such line{'s' if short.size > 1 else ''}; a ragged line is never "
            f"padded with NaN): the file was cut off or damaged",
            records=int((~blank).sum()) - 1 - short.size)


# SAS transport files start with "HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!" (v5, as CDC
# publishes) or "...LIBV8   HEADER RECORD!!!!!!!" (v8): the common prefix identifies both.
_XPT_MAGIC = b"HEADER RECORD*******LIB"


def _flag(codes):
    """NHANES comment codes (0 at/above, 1 below the LLOD) -> nullable boolean."""
    import pandas as pd

    out = pd.array(np.where(codes == 1, True, False), dtype="boolean")
    out[~np.isin(codes, (0, 1))] = pd.NA
    return out


def _incomplete(path: Path, exc, stem: str) -> ValueError:
    expected, found = expected_records(stem), getattr(exc, "records", None)
    counts = "" if found is None else f" ({found:,} complete records" + (
        f"; CDC's {stem} has {expected:,})" if expected is not None else ")")
    return ValueError(f"{path}: truncated or damaged file: {exc}{counts}. {_redownload(stem)}")


def _redownload(stem: str) -> str:
    prefix, _, suffix = stem.partition("_")
    cycle = next((c.label for c in CYCLES.values() if c.suffix == suffix), None)
    if cycle is None or prefix not in COMPONENTS:
        return "Download it again from the CDC NHANES pages"
    comp = "" if prefix == "DEMO" else f", ['{prefix}']"
    return (f"Download it again with labstats.fetch_nhanes(['{cycle}']{comp}, force=True), which "
            f"verifies the download")


def _read_csv_bytes(path: Path) -> bytes:
    import bz2
    import gzip
    import lzma

    opener = {".xz": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix.lower())
    if opener is None:
        return path.read_bytes()
    with opener(path, "rb") as fh:
        return fh.read()


def check_pool_inputs(frames, labels: list[str], bridge_testosterone: bool) -> None:
    """``pool_cycles``'s inputs must be single, unpooled cycles matching ``labels``: a frame
    with another cycle (or several) would get the wrong divisor or bridging, silently."""
    if len(frames) != len(labels):
        raise ValueError(f"labels: {len(labels)} labels for {len(frames)} frames; give one "
                         f"cycle label per frame (weights are divided by the number of cycles)")
    for k, (frame, label) in enumerate(zip(frames, labels, strict=True)):
        found = sorted(map(str, frame["cycle"].dropna().unique()))
        if found != [label]:
            raise ValueError(f"frames[{k}]: its cycle column holds {found}, but labels[{k}] "
                             f"is {label!r}; pass one frame per cycle, labelled with its cycle")
        if frame.attrs.get("weights_divided_by", 1) != 1:
            raise ValueError(f"frames[{k}] ({label}) is already pooled: its weights were "
                             f"divided by {frame.attrs['weights_divided_by']}; pool the "
                             f"single-cycle frames (e.g. load_nhanes({label!r})) instead")
        if bridge_testosterone and label == "2011-2012" and frame.attrs.get(
                "testosterone_bridged"):
            raise ValueError(f"frames[{k}] ({label}): testosterone is already bridged; pass "
                             f"bridge_testosterone=False so CDC's equation is applied once")


def check_demo_cycle(demo, path: Path, cycle) -> None:
    """A DEMO file's pseudo-strata must be its cycle's (G 90-103, H 104-118, I 119-133,
    L 173-187): a DEMO file of another cycle, renamed, is otherwise read under the wrong
    label when its record count is not checked."""
    lo, hi = cycle.strata
    bad = ~demo["SDMVSTRA"].between(lo, hi)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"{path}: SDMVSTRA {demo['SDMVSTRA'].iloc[i]:g} (SEQN {int(demo['SEQN'].iloc[i])}"
            f"; {int(bad.sum()):,} rows) is outside {lo}-{hi}, the pseudo-strata of "
            f"{cycle.label}: is this the DEMO file of another cycle, renamed? "
            f"{_redownload(file_stem(path))}")
