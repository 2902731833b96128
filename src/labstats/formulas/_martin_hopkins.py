"""Martin/Hopkins factor tables: the 2013 180-cell table and the 2021 extended 240-cell table.

LDL-C = non-HDL-C - TG / F, with F looked up by TG (rows) and non-HDL-C (columns), both
in mg/dL. Strata are printed as integer mg/dL ranges (7-49, 50-56, ...), so a fractional
value such as 49.6 lies between two of them; they are read as lower-edge-inclusive
half-open intervals (TG 93-96 is [93, 97); non-HDL-C 130-159 is [130, 160)), i.e. the
integer part (floor) of TG picks the row. Another public implementation
(pacharanero/clincalc) assigns the row by the printed upper bound (49.6 -> 50-56); the two
agree on integers. See ``labstats.ldl_cholesterol``, Notes.

source: Martin SS, Blaha MJ, Elshazly MB, et al. JAMA 310(19):2061-2068, 2013,
doi:10.1001/jama.2013.280532 (the 180-cell table); identical in three independent
transcriptions (cran/LDLcalc 2.1 ``dfCell180``, Modibo/biosigma, pacharanero/clincalc),
sum of the 180 factors 949.4 (see ../shared/science/FORMULAS.md section 6).

source: Sajja A, Park J, Sathiyakumar V, et al. JAMA Netw Open 4(10):e2128817, 2021,
doi:10.1001/jamanetworkopen.2021.28817, eTable 1A (TG 400-799 mg/dL in 10 mg/dL strata),
as transcribed by pacharanero/clincalc 0.4.0; a single public transcription, UNVERIFIED
against the supplement itself (kept, and said so in ``ldl_cholesterol``'s Notes).
"""

from __future__ import annotations

import numpy as np

from labstats import constants as c

#: Lower edges of the non-HDL-C columns [mg/dL]: <100, 100-129, 130-159, 160-189, 190-219,
#: >=220.
NON_HDL_EDGES = np.array([100.0, 130.0, 160.0, 190.0, 220.0])

#: Lower edges of the 30 TG rows of the 2013 table [mg/dL]; the last row is 400-13975.
TG_LOWER_2013 = np.array([7, 50, 57, 62, 67, 72, 76, 80, 84, 88, 93, 97, 101, 106, 111, 116,
                          121, 127, 133, 139, 147, 155, 164, 174, 186, 202, 221, 248, 293, 400],
                         dtype=np.float64)

#: The 2013 180-cell table (Martin 2013): rows TG strata, columns non-HDL-C strata.
FACTORS_2013 = np.array([
    [ 3.5,  3.4,  3.3,  3.3,  3.2,  3.1],  # 7-49
    [ 4.0,  3.9,  3.7,  3.6,  3.6,  3.4],  # 50-56
    [ 4.3,  4.1,  4.0,  3.9,  3.8,  3.6],  # 57-61
    [ 4.5,  4.3,  4.1,  4.0,  3.9,  3.9],  # 62-66
    [ 4.7,  4.4,  4.3,  4.2,  4.1,  3.9],  # 67-71
    [ 4.8,  4.6,  4.4,  4.2,  4.2,  4.1],  # 72-75
    [ 4.9,  4.6,  4.5,  4.3,  4.3,  4.2],  # 76-79
    [ 5.0,  4.8,  4.6,  4.4,  4.3,  4.2],  # 80-83
    [ 5.1,  4.8,  4.6,  4.5,  4.4,  4.3],  # 84-87
    [ 5.2,  4.9,  4.7,  4.6,  4.4,  4.3],  # 88-92
    [ 5.3,  5.0,  4.8,  4.7,  4.5,  4.4],  # 93-96
    [ 5.4,  5.1,  4.8,  4.7,  4.5,  4.3],  # 97-100
    [ 5.5,  5.2,  5.0,  4.7,  4.6,  4.5],  # 101-105
    [ 5.6,  5.3,  5.0,  4.8,  4.6,  4.5],  # 106-110
    [ 5.7,  5.4,  5.1,  4.9,  4.7,  4.5],  # 111-115
    [ 5.8,  5.5,  5.2,  5.0,  4.8,  4.6],  # 116-120
    [ 6.0,  5.5,  5.3,  5.0,  4.8,  4.6],  # 121-126
    [ 6.1,  5.7,  5.3,  5.1,  4.9,  4.7],  # 127-132
    [ 6.2,  5.8,  5.4,  5.2,  5.0,  4.7],  # 133-138
    [ 6.3,  5.9,  5.6,  5.3,  5.0,  4.8],  # 139-146
    [ 6.5,  6.0,  5.7,  5.4,  5.1,  4.8],  # 147-154
    [ 6.7,  6.2,  5.8,  5.4,  5.2,  4.9],  # 155-163
    [ 6.8,  6.3,  5.9,  5.5,  5.3,  5.0],  # 164-173
    [ 7.0,  6.5,  6.0,  5.7,  5.4,  5.1],  # 174-185
    [ 7.3,  6.7,  6.2,  5.8,  5.5,  5.2],  # 186-201
    [ 7.6,  6.9,  6.4,  6.0,  5.6,  5.3],  # 202-220
    [ 8.0,  7.2,  6.6,  6.2,  5.9,  5.4],  # 221-247
    [ 8.5,  7.6,  7.0,  6.5,  6.1,  5.6],  # 248-292
    [ 9.5,  8.3,  7.5,  7.0,  6.5,  5.9],  # 293-399
    [11.9, 10.0,  8.8,  8.1,  7.5,  6.7],  # 400-13975
])

#: Lower edge of the extended table and its stratum width [mg/dL] (Sajja 2021 eTable 1A).
TG_EXTENDED_START = 400.0
TG_EXTENDED_STEP = 10.0

#: The extended 240-cell table (Sajja 2021 eTable 1A): TG 400-409, 410-419, ..., 790-799.
FACTORS_EXTENDED = np.array([
    [10.4,  8.7,  7.9,  7.3,  6.7,  6.1],  # 400-409
    [10.7,  8.9,  7.9,  7.3,  6.7,  6.0],  # 410-419
    [10.3,  8.9,  7.9,  7.4,  6.8,  6.0],  # 420-429
    [11.2,  8.9,  8.0,  7.3,  6.8,  6.0],  # 430-439
    [12.0,  9.0,  8.0,  7.5,  6.9,  6.0],  # 440-449
    [11.3,  9.3,  8.2,  7.4,  7.0,  6.0],  # 450-459
    [12.3,  9.2,  8.3,  7.7,  6.9,  6.1],  # 460-469
    [10.6,  9.3,  8.3,  7.6,  7.0,  6.0],  # 470-479
    [11.7,  9.3,  8.4,  7.6,  7.1,  6.1],  # 480-489
    [11.6,  9.6,  8.4,  7.6,  7.2,  6.2],  # 490-499
    [12.1,  9.2,  8.4,  7.5,  7.1,  6.2],  # 500-509
    [12.3,  9.9,  8.5,  7.9,  7.1,  6.3],  # 510-519
    [12.0,  9.8,  8.7,  7.7,  7.1,  6.3],  # 520-529
    [12.0,  9.8,  8.7,  7.8,  7.2,  6.3],  # 530-539
    [11.3, 10.0,  8.8,  7.8,  7.4,  6.3],  # 540-549
    [12.2, 10.2,  8.8,  8.0,  7.4,  6.2],  # 550-559
    [13.8, 10.2,  8.7,  8.1,  7.2,  6.2],  # 560-569
    [15.4, 10.4,  8.9,  8.0,  7.3,  6.2],  # 570-579
    [12.7, 10.5,  9.1,  8.3,  7.3,  6.4],  # 580-589
    [12.5, 10.5,  9.2,  8.3,  7.2,  5.9],  # 590-599
    [13.7, 10.5,  8.9,  8.2,  7.6,  6.3],  # 600-609
    [15.4, 10.5,  9.1,  8.4,  7.5,  6.4],  # 610-619
    [16.4, 11.3,  9.2,  8.5,  7.5,  6.4],  # 620-629
    [14.1, 11.6,  9.4,  8.2,  7.3,  6.2],  # 630-639
    [14.8, 11.0,  9.1,  8.1,  7.5,  6.6],  # 640-649
    [14.2, 11.0,  9.2,  8.3,  7.5,  6.4],  # 650-659
    [15.0, 10.9,  9.2,  8.3,  7.5,  6.5],  # 660-669
    [14.2, 11.0,  9.3,  8.6,  7.6,  6.7],  # 670-679
    [16.7, 11.5,  9.8,  8.3,  7.4,  6.7],  # 680-689
    [15.0, 11.6,  9.8,  8.4,  7.8,  6.5],  # 690-699
    [16.6, 11.5,  9.5,  8.5,  7.8,  6.9],  # 700-709
    [14.5, 10.9,  9.7,  8.5,  7.8,  6.4],  # 710-719
    [16.5, 11.7,  9.5,  8.5,  7.6,  6.6],  # 720-729
    [18.2, 12.2,  9.9,  8.9,  8.2,  6.6],  # 730-739
    [17.5, 11.7,  9.9,  8.5,  7.9,  6.6],  # 740-749
    [17.5, 12.9, 10.2,  8.8,  8.1,  6.4],  # 750-759
    [19.2, 11.4,  9.9,  8.7,  8.3,  6.5],  # 760-769
    [17.3, 13.4, 10.4,  8.6,  8.2,  6.7],  # 770-779
    [23.9, 12.3, 10.4,  9.1,  7.9,  6.7],  # 780-789
    [15.6, 13.0, 10.7,  8.7,  8.0,  6.7],  # 790-799
])

for _t in (FACTORS_2013, FACTORS_EXTENDED):
    _t.flags.writeable = False


def _lookup_table(extended: bool) -> tuple[np.ndarray, int]:
    """Factors by (non-HDL column, integer TG bin), flattened column-major; NaN where TG is
    outside the table. Bin b holds TG in [b, b + 1); the last bin holds everything above."""
    top = int(c.MARTIN_EXTENDED_TG_LIMIT_MG_DL) if extended else int(TG_EXTENDED_START)
    tg = np.arange(top + 1, dtype=np.float64)
    row = np.searchsorted(TG_LOWER_2013, tg, side="right") - 1
    table = FACTORS_2013[np.clip(row, 0, None)].T.copy()  # (6, bins)
    table[:, row < 0] = np.nan  # TG < 7 mg/dL
    if extended:
        high = (tg >= TG_EXTENDED_START) & (tg < top)
        r = ((tg[high] - TG_EXTENDED_START) // TG_EXTENDED_STEP).astype(np.intp)
        table[:, high] = FACTORS_EXTENDED[r].T
        table[:, -1] = np.nan  # TG >= 800 mg/dL
    table.flags.writeable = False
    return table.ravel(), top + 1


_LUT_2013 = _lookup_table(False)
_LUT_EXT = _lookup_table(True)


def lookup_table(*, extended: bool) -> tuple[np.ndarray, int]:
    """(flat factor table, number of TG bins): cell ``col * bins + floor(TG)``, TG capped
    at the last bin, col = non-HDL-C column 0-5; NaN below TG 7 (and from 800 extended)."""
    return _LUT_EXT if extended else _LUT_2013
_COL_START, _COL_WIDTH = 70.0, 30.0  # column k holds non-HDL-C in [70 + 30k, 100 + 30k)
#: Floating-point slack at an edge [mg/dL], far below any reported digit and far above
#: rounding errors: non-HDL-C, a difference of decimals, can land just below a stratum
#: edge (128.2 - 28.2 = 99.99999999999999), and a TG limit given in mmol/L just above it
#: (400 / 88.57 x 88.57 = 400.0000000000001); both are looked up this much higher/lower.
EDGE_ROUNDING_MG_DL = 1e-9


def factor(tg, non_hdl, *, extended: bool = False) -> np.ndarray:
    """The Martin/Hopkins factor F for TG and non-HDL-C [mg/dL]; NaN outside the table.

    The 2013 table covers TG 7-13975 mg/dL. ``extended=True`` uses the Sajja 2021 table
    for TG 400-799 and the 2013 table below 400; it is NaN from 800 mg/dL. NaN in, NaN out.

    One table look-up per row: the TG bin (its integer part, capped at the last bin) and
    the column (non-HDL-C strata are 30 mg/dL wide from 100) index a flat table built
    from ``FACTORS_2013``/``FACTORS_EXTENDED``; NaN inputs index a NaN cell.
    """
    tg, non_hdl = np.broadcast_arrays(np.asarray(tg, dtype=np.float64),
                                      np.asarray(non_hdl, dtype=np.float64))
    if tg.ndim != 1:  # scalars and n-d arrays: compute flat, return in their shape
        return factor(tg.reshape(-1), non_hdl.reshape(-1), extended=extended).reshape(tg.shape)
    lut, bins = _LUT_EXT if extended else _LUT_2013
    col = np.subtract(non_hdl, _COL_START - EDGE_ROUNDING_MG_DL)
    col *= 1.0 / _COL_WIDTH
    np.floor(col, out=col)
    np.clip(col, 0.0, 5.0, out=col)  # column index; NaN stays NaN
    col *= bins
    idx = np.floor(tg)
    np.minimum(idx, bins - 1.0, out=idx)  # TG bin, capped
    idx += col
    with np.errstate(invalid="ignore"):
        i = idx.astype(np.int32)  # NaN -> INT_MIN (x86) or 0: with mode="clip" cell 0, NaN
    f = lut.take(i, mode="clip")
    if not extended and np.fmax.reduce(tg, axis=None) >= c.MARTIN_TG_UPPER_MG_DL:
        f = np.where(tg >= c.MARTIN_TG_UPPER_MG_DL, np.nan, f)
    return f
