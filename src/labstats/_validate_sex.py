"""Sex as labstats parses it everywhere (part of the validation layer, re-exported by
``labstats._validate``): "female"/"male", "F"/"M", the NHANES RIAGENDR codes 2/1, and missing
text, as float64 (1.0 female, 0.0 male, NaN missing)."""

from __future__ import annotations

import numpy as np

# The container helpers are _validate's, imported at call time: _validate re-exports this
# module's names, so either may be imported first.


SEX_CODES = {"female": 1.0, "f": 1.0, "male": 0.0, "m": 0.0}
#: NHANES RIAGENDR codes: 1 = male, 2 = female (also as text, "1"/"2" or "1.0"/"2.0", as a CSV
#: file holds them).
SEX_NUMERIC_CODES = {1.0: 0.0, 2.0: 1.0}
#: Text read as a missing sex (after strip and lower-case): that row's sex is NaN.
SEX_MISSING_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none", "missing"})


def _sex_of(v) -> float | None:
    """1.0 female, 0.0 male, NaN missing, None unrecognised (one value)."""
    if v is None or (isinstance(v, float) and v != v) or type(v).__name__ in ("NAType",):
        return np.nan
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, str):
        text = v.strip().lower()
        if text in SEX_CODES:
            return SEX_CODES[text]
        if text in SEX_MISSING_TEXT:
            return np.nan
        if not text[:1].isdigit():  # "inf", "nan" spelled otherwise, "-1": not a code
            return None
        v = text
    try:
        return SEX_NUMERIC_CODES.get(float(v))
    except (TypeError, ValueError):
        return None


def _sex_error(values, name: str, bad_pos: np.ndarray, flat) -> ValueError:
    """The error for unrecognised sex codes, listing the first few cells (value, index)."""
    from labstats._validate import _label

    n = bad_pos.size

    def cell(p):
        v = flat[int(p)]
        v = v.item() if isinstance(v, np.generic) else v
        return f"{v!r} at index {_label(values, int(p))!r}"

    shown = "; ".join(cell(p) for p in bad_pos[1:10]) + ("; ..." if n > 10 else "")
    return ValueError(
        f"{name}: {n} value{'s' if n > 1 else ''} not a recognised sex; the first is "
        f"{cell(bad_pos[0])}{f' (then {shown})' if n > 1 else ''}. Use 'female'/'male' (or "
        f"'F'/'M', any case), or the NHANES RIAGENDR codes 2 (female) / 1 (male), as numbers "
        f"or text; leave missing as NaN/None or an empty cell.")


def _sex_codes(values, name: str = "sex") -> tuple[np.ndarray, np.ndarray]:
    """(sex as float64: 1.0 female, 0.0 male, NaN missing; positions of unrecognised values).

    The one parser behind ``as_sex`` and ``labstats.read_lab_export``; unrecognised values
    are NaN in the first array. Positions index the flattened input.
    """
    from labstats._validate import _is_frame, _is_series

    if _is_frame(values):
        raise TypeError(f"{name}: expected a scalar, array or Series, got a DataFrame")
    if _is_series(values) and str(values.dtype) == "category":
        cats = values.cat.categories
        lut = [_sex_of(c) for c in cats]
        table = np.array([np.nan if v is None else v for v in lut] + [np.nan], dtype=np.float64)
        codes = values.cat.codes.to_numpy()
        bad_cat = np.array([v is None for v in lut] + [False], dtype=bool)
        return table[codes], np.flatnonzero(bad_cat[codes])  # code -1 (missing): last entry
    if _is_series(values) and type(values.dtype).__name__ == "StringDtype" and len(values) > 64:
        import pandas as pd  # text as pandas stores it: hashed without an object array

        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return _decode(codes, uniques)
    arr = np.asarray(values.to_numpy() if _is_series(values) else values)
    if arr.dtype.kind == "b":
        raise TypeError(f"{name}: got booleans; pass 'female'/'male' or the NHANES codes 2/1, "
                        f"so that which sex True means is explicit")
    if arr.dtype.kind in "iuf":
        x = arr.astype(np.float64, copy=False).ravel()
        out = np.where(x == 2.0, 1.0, np.where(x == 1.0, 0.0, np.nan))
        return out.reshape(arr.shape), np.flatnonzero(~np.isnan(x) & (x != 1.0) & (x != 2.0))
    flat = arr.ravel()
    if flat.size > 64:  # hash the distinct values once (pandas is a dependency)
        import pandas as pd

        codes, uniques = pd.factorize(flat, use_na_sentinel=True)
        out, bad = _decode(codes, uniques)
        return out.reshape(arr.shape), bad
    vals = [_sex_of(v) for v in flat]
    bad = np.array([i for i, v in enumerate(vals) if v is None], dtype=np.intp)
    out = np.array([np.nan if v is None else v for v in vals], dtype=np.float64)
    return out.reshape(arr.shape), bad


def _decode(codes: np.ndarray, uniques) -> tuple[np.ndarray, np.ndarray]:
    """``_sex_codes`` of factorized values (code -1, missing, reads the last entry: NaN)."""
    lut = [_sex_of(u) for u in uniques]
    bad_u = np.array([v is None for v in lut] + [False], dtype=bool)
    table = np.array([np.nan if v is None else v for v in lut] + [np.nan], dtype=np.float64)
    return table[codes], np.flatnonzero(bad_u[codes])


def as_sex(values, name: str = "sex") -> np.ndarray:
    """Sex as float64: 1.0 female, 0.0 male, NaN missing.

    Accepted: "female"/"male", "F"/"M" (any case, surrounding spaces ignored), the NHANES
    RIAGENDR codes 2 (female) and 1 (male) as numbers or as text ("2", "1", "2.0", "1.0",
    as a CSV file holds them), and missing: None, NaN, pd.NA, or the text "", "NA", "N/A",
    "NaN", "null", "none", "missing" (any case), which give NaN for that value only.
    Anything else (booleans, 0/1, "U", ...) raises ``ValueError`` listing the first such
    values and their index. A pandas Categorical is decoded per category, so long columns
    stay fast.

    >>> as_sex(["F", "male", "2", "1.0", "", "NA"]).tolist()
    [1.0, 0.0, 1.0, 0.0, nan, nan]
    """
    from labstats._validate import _is_series

    out, bad = _sex_codes(values, name)
    if bad.size:
        if _is_series(values) and str(values.dtype) == "category":
            flat = np.asarray(values.astype(object).to_numpy())
        else:
            flat = np.asarray(values.to_numpy() if _is_series(values) else values).ravel()
        raise _sex_error(values, name, bad, flat)
    return out
