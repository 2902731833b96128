"""A synthetic long-format laboratory export with its ground truth (``make_lab_results``).

Real EHR extracts cannot be shipped; this one has their structure: several draws per
patient, an assay change (testosterone in ng/dL, LOINC 2986-8, then nmol/L, 14913-8),
censored results ("<7"), result flags, exact duplicate rows, conflicting reruns, draws
without SHBG or albumin, tests labstats does not use, and a few unreadable rows, in the
shape of MIMIC-IV ``labevents`` or of a LIS export. The truth is known draw by draw.
Optionally HbA1c, in NGSP % (LOINC 4548-4) and after the assay change in IFCC mmol/mol
(59261-8).
"""

from __future__ import annotations

import numpy as np

__all__ = ["make_lab_results"]

#: Synthetic local test codes of the MIMIC-shaped export (not real MIMIC-IV itemids).
MIMIC_ITEMS = {"total_testosterone": 90001, "shbg": 90002, "albumin": 90003,
               "sodium": 90004, "glucose": 90005, "hba1c": 90006}
#: HbA1c (``hba1c=True``): LOINC, unit and decimals before and after the assay change.
_HBA1C = (("4548-4", "%", 1), ("59261-8", "mmol/mol", 0))
_LOINC = {"total_testosterone": ("2986-8", "14913-8"), "shbg": ("13967-5",) * 2,
          "albumin": ("1751-7",) * 2, "sodium": ("2951-2",) * 2, "glucose": ("2345-7",) * 2}
_UNIT = {"total_testosterone": ("ng/dL", "nmol/L"), "shbg": ("nmol/L",) * 2,
         "albumin": ("g/dL",) * 2, "sodium": ("mmol/L",) * 2, "glucose": ("mg/dL",) * 2}
_DECIMALS = {"ng/dL": 0, "nmol/L": 2, "g/dL": 1, "mmol/L": 0, "mg/dL": 0}
_SHBG_DECIMALS = 1
#: Limits of quantitation written as "<L" (ng/dL, nmol/L) and the upper limit of SHBG.
_LOQ = {"ng/dL": 7.0, "nmol/L": 0.25}
_SHBG_MAX = 180.0
_OTHER = ("sodium", "glucose")  # written in their file unit; not part of the truth


def _text(values, decimals):
    """Numbers as text with fixed decimals, vectorised."""
    return np.char.mod(f"%.{decimals}f", values).astype(object)


def make_lab_results(n_patients: int = 200, seed: int = 0, *, shape: str = "lis",
                     assay_change: str = "2020-01-01", bad_rows: bool = True,
                     hba1c: bool = False, corrections: bool = False):
    """A synthetic long export of testosterone, SHBG and albumin results, with the truth.

    Parameters
    ----------
    n_patients : int, default 200
        Patients (half women); each has 1 + Poisson(2) draws, weeks to months apart.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``: the same seed gives the same export.
    shape : {"lis", "mimic"}, default "lis"
        "lis": headers "Patient ID", "Accession", "Collected", "Test Code" (LOINC),
        "Test Name", "Result" (flags written in the cell: "450 H"), "Units",
        "Reference Range" (left empty), "Abnormal Flag", "Result Status" (HL7 table 0085).
        The H/L flags of testosterone use made-up limits (men 8.6-29, women 0.3-2.0
        nmol/L) to give the export flags to parse; they are no reference range. "mimic": the
        columns of MIMIC-IV ``hosp.labevents`` (subject_id, specimen_id, itemid,
        charttime, value, valuenum, valueuom, flag, ...) with synthetic local itemids
        (``attrs["test_map"]``).
    assay_change : str, default "2020-01-01"
        From this date testosterone is reported in nmol/L (LOINC 14913-8) instead of
        ng/dL (2986-8).
    bad_rows : bool, default True
        Add rows that cannot be used: unreadable values ("hemolyzed"), an unknown unit,
        a unit contradicting its LOINC code (LIS), rows without a patient id and a
        withdrawn result (LIS, status "W"). Tests outside the truth are always there:
        sodium (not an analyte labstats reads: excluded) and glucose (read and used,
        but not part of ``truth``).
    hba1c : bool, default False
        Add HbA1c results to about 40 % of the draws: in NGSP % (LOINC 4548-4, one
        decimal) before ``assay_change``, in IFCC mmol/mol (59261-8, whole numbers) from
        it, as laboratories changed when IFCC units were introduced. Off by default: the
        other results, and the export of a seed, are then those without this keyword.
    corrections : bool, default False
        LIS shape only (MIMIC-IV ``labevents`` has no result status). About 2 % of the
        testosterone, SHBG and albumin results that are alone in their draw are issued
        twice with the result statuses of HL7 v2 table 0085 (OBX-11): half as a final
        result ("F") followed by a corrected one ("C") with another value, half as a
        preliminary one ("P") followed by the final one. The later result is the truth;
        the replaced one is excluded (``expected_counts``). Off by default, as ``hba1c``.

    Returns
    -------
    pandas.DataFrame
        The export, one row per result, as text cells (as a CSV holds them). ``attrs``:
        ``truth`` (one row per draw: ``patient_id``, ``specimen_id``, ``collected_at``,
        ``total_testosterone``, ``shbg``, ``albumin`` in canonical units as
        ``read_lab_results`` reads them with its default ``censored="lod/sqrt2"``, each
        with ``<analyte>_censored``; reruns resolved as ``repeats="first"``),
        ``truth_last`` (the same with ``repeats="last"``; with ``hba1c=True`` both have
        ``hba1c`` in NGSP %, mmol/mol converted by the master equation,
        ``labstats.units.HBA1C_MASTER_EQUATION``), ``expected_counts`` (what
        ``read_lab_results`` must count), ``test_map`` (MIMIC shape) and ``sex``.

    Examples
    --------
    >>> export = make_lab_results(20, seed=1)
    >>> export.columns[:5].tolist()
    ['Patient ID', 'Accession', 'Collected', 'Test Code', 'Test Name']
    >>> truth = export.attrs["truth"]
    >>> len(truth) == truth["specimen_id"].nunique()
    True
    """
    import pandas as pd

    from labstats._validate import as_count
    from labstats.units import convert

    if shape not in ("lis", "mimic"):
        raise ValueError(f"shape must be 'lis' or 'mimic', got {shape!r}")
    if corrections and shape == "mimic":
        raise ValueError("corrections=True needs shape='lis': MIMIC-IV labevents has no "
                         "result status to mark a correction with")
    n_p = as_count(n_patients, "n_patients", what="patients in the export")
    rng = np.random.default_rng(seed)
    female = rng.random(n_p) < 0.5
    k = 1 + rng.poisson(2.0, n_p)
    patient = np.repeat(np.arange(n_p), k)
    n_d = len(patient)
    first = np.repeat(np.cumsum(k) - k, k)
    start = pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n_p), "D")
    gap = (7 + rng.exponential(60.0, n_d)).round()
    gap[first == np.arange(n_d)] = 0.0
    days = np.cumsum(gap) - np.repeat(np.cumsum(gap)[np.cumsum(k) - k], k)
    time = (pd.DatetimeIndex(start)[patient] + pd.to_timedelta(days, "D")
            + pd.to_timedelta(rng.integers(7 * 60, 11 * 60, n_d), "min"))
    fem = female[patient]
    tt = np.exp(np.where(fem, np.log(1.0) + 0.6 * rng.standard_normal(n_d),
                         np.log(15.0) + 0.35 * rng.standard_normal(n_d)))
    shbg = np.exp(np.where(fem, np.log(60.0), np.log(35.0)) + 0.45 * rng.standard_normal(n_d))
    alb = np.clip(42.0 + 3.5 * rng.standard_normal(n_d), 25.0, 52.0)
    has = {"total_testosterone": np.ones(n_d, bool), "shbg": rng.random(n_d) < 0.8,
           "albumin": rng.random(n_d) < 0.9, "sodium": rng.random(n_d) < 0.7,
           "glucose": rng.random(n_d) < 0.3}
    after = np.asarray(time >= pd.Timestamp(assay_change))
    true = {"total_testosterone": tt, "shbg": shbg, "albumin": alb,
            "sodium": 135 + 5 * rng.random(n_d), "glucose": 80 + 40 * rng.random(n_d)}
    rows = []  # one frame of results per analyte: draw, text, unit, code, truth, censoring
    for a, present in has.items():
        d = np.flatnonzero(present)
        unit = np.where(after[d], _UNIT[a][1], _UNIT[a][0])
        code = np.where(after[d], _LOINC[a][1], _LOINC[a][0])
        text = np.empty(len(d), dtype=object)
        value = np.full(len(d), np.nan)
        cens = np.full(len(d), "", dtype=object)
        for u in np.unique(unit):
            m = unit == u
            canon = true[a][d[m]]
            x = canon if a in _OTHER else convert(canon, a, _canon(a), u)
            dec = _SHBG_DECIMALS if a == "shbg" else _DECIMALS[u]
            x = np.round(x, dec)
            t = _text(x, dec)
            if a == "total_testosterone":
                low = x < _LOQ[u]
                t[low] = f"<{_LOQ[u]:g}"
                x = np.where(low, _LOQ[u] / np.sqrt(2.0), x)
                cens[np.flatnonzero(m)[low]] = "<"
            if a == "shbg":
                high = x > _SHBG_MAX
                t[high] = f">{_SHBG_MAX:g}"
                x = np.where(high, _SHBG_MAX, x)
                cens[np.flatnonzero(m)[high]] = ">"
            text[m] = t
            value[m] = x if a in _OTHER else convert(x, a, u, _canon(a))
        rows.append(pd.DataFrame({"draw": d, "analyte": a, "text": text, "unit": unit,
                                  "code": code, "value": value, "censored": cens, "seq": 0}))
    if hba1c:  # its own random stream: the other results stay those of the seed
        rows.append(_hba1c(np.random.default_rng([int(seed), 1548]), after))
    res = pd.concat(rows, ignore_index=True)
    truth = _truth(res, patient, time, n_d, hba1c)
    res, truth_last = _reruns(res, rng, truth)
    res = _flags(res, fem)
    expected = {"used": len(res[res["analyte"].isin(["total_testosterone", "shbg",
                                                      "albumin"])]),
                "excluded": int((res["analyte"] == "sodium").sum()), "reported": 0,
                "duplicates": 0}
    expected["used"] += int(res["analyte"].isin(["glucose", "hba1c"]).sum())
    dups = res[res["analyte"] != "sodium"].sample(frac=0.03, random_state=seed).assign(seq=2)
    expected["duplicates"] = len(dups)
    res = pd.concat([res, dups], ignore_index=True)
    res["patient"] = patient[res["draw"]]
    if bad_rows:
        res, bad = _bad(res, rng, shape)
        for key, v in bad.items():
            expected[key] += v
    if corrections:  # its own random stream, as hba1c's
        res, replaced = _corrections(res, np.random.default_rng([int(seed), 85]),
                                     (truth, truth_last), fem)
        expected["excluded"] += replaced
    res["time"] = time[res["draw"].to_numpy()]
    res = res.sort_values(["time", "draw", "seq"], kind="stable").reset_index(drop=True)
    out = (_mimic if shape == "mimic" else _lis)(res, female)
    expected["rows"] = len(out)
    out.attrs.update(truth=truth, truth_last=truth_last, sex=pd.Series(
        np.where(female, "female", "male"), index=_ids(np.arange(n_p), shape)),
        expected_counts={k: expected[k] for k in ("rows", "used", "reported", "excluded",
                                                  "duplicates")})
    ids = _ids(patient, shape)
    for t in (truth, truth_last):
        t.insert(0, "patient_id", ids)
        t.insert(1, "specimen_id", _specimens(np.arange(n_d), shape))
        t.insert(2, "collected_at", time)
    if shape == "mimic":
        out.attrs["test_map"] = {str(v): a for a, v in MIMIC_ITEMS.items()
                                 if a in ("total_testosterone", "shbg", "albumin", "glucose")
                                 or (hba1c and a == "hba1c")}
    return out


def _canon(a):
    from labstats.units import ANALYTES, analyte_of

    return ANALYTES[analyte_of(a)].canonical_unit


def _hba1c(rng, after):
    """HbA1c results of about 40 % of the draws (a routine population: NGSP median about
    5.7 %, a diabetic tail), as written before (%) and after (mmol/mol) the assay change;
    the value as read_lab_results reads it, in NGSP %."""
    import pandas as pd

    from labstats.units import MEASURES

    d = np.flatnonzero(rng.random(len(after)) < 0.4)
    ngsp = np.exp(np.log(5.6) + 0.08 * rng.standard_normal(len(d)))
    ngsp = np.clip(ngsp + np.where(rng.random(len(d)) < 0.15, rng.gamma(2.0, 1.0, len(d)),
                                   0.0), 4.0, 14.0)
    late = after[d]
    ifcc = MEASURES["hba1c"].from_canonical(ngsp, "mmol/mol")
    written = np.where(late, np.round(ifcc), np.round(ngsp, 1))
    value = np.where(late, MEASURES["hba1c"].to_canonical(written, "mmol/mol"), written)
    text = np.where(late, _text(written, 0), _text(written, 1))
    return pd.DataFrame({"draw": d, "analyte": "hba1c", "text": text,
                         "unit": np.where(late, _HBA1C[1][1], _HBA1C[0][1]),
                         "code": np.where(late, _HBA1C[1][0], _HBA1C[0][0]),
                         "value": value, "censored": "", "seq": 0})


def _truth(res, patient, time, n_d, hba1c=False):
    import pandas as pd

    t = {}
    for a in ("total_testosterone", "shbg", "albumin", *(("hba1c",) if hba1c else ())):
        r = res[res["analyte"] == a]
        v = np.full(n_d, np.nan)
        c = np.full(n_d, "", dtype=object)
        v[r["draw"]] = r["value"]
        c[r["draw"]] = r["censored"]
        t[a], t[f"{a}_censored"] = v, pd.array(c, dtype="string")
    return pd.DataFrame(t)


def _reruns(res, rng, truth):
    """Reruns of 4% of testosterone results with another value (same specimen and time)."""
    from labstats.units import convert

    tt = res[(res["analyte"] == "total_testosterone") & (res["censored"] == "")]
    again = tt.sample(frac=0.04, random_state=int(rng.integers(2**31))).copy()
    unit = again["unit"].to_numpy()
    raw = again["text"].astype(float).to_numpy()
    factor = 1 + rng.choice([-1, 1], len(raw)) * rng.uniform(0.05, 0.15, len(raw))
    text = np.empty(len(raw), dtype=object)
    value = np.empty(len(raw))
    for u in np.unique(unit):  # one group per unit
        m = unit == u
        dec = _DECIMALS[u]
        new = np.round(raw[m] * factor[m], dec)
        new = np.where(new == raw[m], raw[m] + 10.0 ** -dec, new)  # never an exact duplicate
        text[m] = _text(new, dec)
        value[m] = convert(new, "testosterone", u, "nmol/L")
    again["text"] = text
    again["value"] = value
    again["seq"] = 1
    last = truth.copy()
    last.loc[again["draw"].to_numpy(), "total_testosterone"] = value
    import pandas as pd

    return pd.concat([res, again], ignore_index=True), last


def _corrections(res, rng, truths, fem, frac=0.02):
    """Results issued twice (``corrections=True``): F then C, or P then F, the later with
    another value (the truth, in ``truths``, updated in place); the frame and the number
    of replaced rows. Only results alone in their draw and test code, read and used, are
    chosen, so that no other row (a rerun, a copy, a bad row) shares their group."""
    import pandas as pd

    from labstats.units import convert

    status = res["status"] if "status" in res else pd.Series(np.nan, index=res.index)
    key = res["draw"].astype(str) + "|" + res["code"].astype(str)
    ok = (~key.duplicated(keep=False) & status.isna() & res["patient"].notna()
          & res["analyte"].isin(["total_testosterone", "shbg", "albumin"])
          & (res["censored"] == "") & (res["seq"] == 0))
    first = res[ok].sample(frac=frac, random_state=int(rng.integers(2**31))).copy()
    again = first.copy()
    up = np.where(again["analyte"] == "shbg", -1.0, 1.0)  # SHBG down: never above its limit
    factor = 1 + up * rng.uniform(0.05, 0.15, len(again))
    raw = again["text"].astype(float).to_numpy()
    unit, a = again["unit"].to_numpy(), again["analyte"].to_numpy()
    text, value = np.empty(len(raw), dtype=object), np.empty(len(raw))
    for u, name in set(zip(unit, a, strict=True)):
        m = (unit == u) & (a == name)
        dec = _SHBG_DECIMALS if name == "shbg" else _DECIMALS[u]
        new = np.round(raw[m] * factor[m], dec)
        new = np.where(new == raw[m], raw[m] + up[m] * 10.0 ** -dec, new)
        text[m] = _text(new, dec)
        value[m] = convert(new, name, u, _canon(name))
    corrected = rng.random(len(again)) < 0.5
    first["status"] = np.where(corrected, "F", "P")
    again = again.assign(text=text, value=value, seq=4,
                         status=np.where(corrected, "C", "F"))
    again = _flags(again, fem)
    for truth in truths:
        for name in ("total_testosterone", "shbg", "albumin"):
            m = a == name
            truth.loc[again["draw"].to_numpy()[m], name] = value[m]
    res = res.assign(status=status.astype(object))
    res.loc[first.index, "status"] = first["status"]
    return pd.concat([res, again], ignore_index=True), len(again)


def _flags(res, fem):
    """H/L by sex-specific limits of testosterone (nmol/L): men 8.6-29, women 0.3-2.0.

    Made up for the synthetic export (so that it has flags to parse), of the order of
    immunoassay ranges: not a reference range of any source, and never shown as one.
    """
    import pandas as pd

    lo = np.where(fem[res["draw"]], 0.3, 8.6)
    hi = np.where(fem[res["draw"]], 2.0, 29.0)
    tt = (res["analyte"] == "total_testosterone").to_numpy() & (res["censored"] == "").to_numpy()
    v = res["value"].to_numpy()
    flag = np.where(tt & (v < lo), "L", np.where(tt & (v > hi), "H", ""))
    return res.assign(flag=pd.array(flag, dtype=object))


def _bad(res, rng, shape):
    """Rows that cannot be used, appended to existing draws; their expected counts."""
    import pandas as pd

    n = max(1, len(res) // 200)
    base = res[res["analyte"] == "total_testosterone"].sample(5 * n, replace=True,
                                                              random_state=int(rng.integers(9)))
    base = base.assign(seq=3, flag="", censored="")
    parts = [base.iloc[i * n:(i + 1) * n] for i in range(5)]
    parts[0] = parts[0].assign(text=rng.choice(["hemolyzed", "see comment", "TNP"],
                                               len(parts[0])))
    parts[1] = parts[1].assign(analyte="shbg", code="13967-5", unit="mg/L", text="40.0")
    parts[2] = parts[2].assign(analyte="glucose", code="2345-7", unit="mmol/L", text="5.4")
    parts[3] = parts[3].assign(patient=-1)  # no patient id
    parts[4] = parts[4].assign(status="W")  # withdrawn (LIS); MIMIC: another unknown unit
    if shape == "mimic":
        parts[2] = parts[2].assign(unit="mmol/mol")  # unknown unit (no LOINC to contradict)
        parts[4] = parts[4].assign(unit="ng", status=None)
    bad = pd.concat(parts, ignore_index=True)
    excluded = len(parts[4]) if shape == "lis" else 0
    bad["patient"] = bad["patient"].where(bad["patient"] != -1, np.nan)
    return pd.concat([res, bad], ignore_index=True), {"reported": len(bad) - excluded,
                                                       "excluded": excluded}


def _ids(patient, shape):
    p = np.asarray(patient)
    if shape == "mimic":
        return (10_000_000 + p).astype(np.int64)
    return np.char.add("P", np.char.zfill(p.astype(str), 6)).astype(object)


def _specimens(draw, shape):
    d = np.asarray(draw)
    if shape == "mimic":
        return (20_000_000 + 7 * d).astype(np.int64)
    return np.char.add("A", np.char.zfill(d.astype(str), 8)).astype(object)


_NAMES = {"total_testosterone": "Testosterone, total", "shbg": "SHBG", "albumin": "Albumin",
          "sodium": "Sodium", "glucose": "Glucose", "hba1c": "Hemoglobin A1c"}


def _lis(res, female):
    import pandas as pd

    flag = res["flag"].fillna("").to_numpy(dtype=object)
    text = res["text"].to_numpy(dtype=object)
    cell = np.where(flag != "", text + " " + flag, text)
    pid = res["patient"].to_numpy()
    ids = np.where(np.isnan(pid.astype(float)), "",
                   _ids(np.nan_to_num(pid.astype(float)).astype(np.int64), "lis"))
    status = res["status"].fillna("F").to_numpy(dtype=object) if "status" in res else "F"
    return pd.DataFrame({
        "Patient ID": ids,
        "Accession": _specimens(res["draw"].to_numpy(), "lis"),
        "Collected": res["time"].dt.strftime("%Y-%m-%d %H:%M").to_numpy(dtype=object),
        "Test Code": res["code"].to_numpy(dtype=object),
        "Test Name": res["analyte"].map(_NAMES).to_numpy(dtype=object),
        "Result": cell,
        "Units": res["unit"].to_numpy(dtype=object),
        "Reference Range": "",
        "Abnormal Flag": "",
        "Result Status": status,
    })


def _mimic(res, female):
    import pandas as pd

    text = res["text"].to_numpy(dtype=object)
    num = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy()
    pid = res["patient"].to_numpy().astype(float)
    ids = pd.array(np.where(np.isnan(pid), None, _ids(np.nan_to_num(pid).astype(np.int64),
                                                      "mimic")), dtype="Int64")
    flag = res["flag"].fillna("").to_numpy(dtype=object)
    return pd.DataFrame({
        "labevent_id": np.arange(1, len(res) + 1, dtype=np.int64),
        "subject_id": ids,
        "hadm_id": pd.array([None] * len(res), dtype="Int64"),
        "specimen_id": _specimens(res["draw"].to_numpy(), "mimic"),
        "itemid": res["analyte"].map(MIMIC_ITEMS).to_numpy(dtype=np.int64),
        "charttime": res["time"].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object),
        "value": text,
        "valuenum": num,
        "valueuom": res["unit"].to_numpy(dtype=object),
        "ref_range_lower": np.nan,
        "ref_range_upper": np.nan,
        "flag": np.where(flag != "", "abnormal", None),
        "priority": "ROUTINE",
        "comments": None,
    })
