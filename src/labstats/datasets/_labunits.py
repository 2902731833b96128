"""Units of a laboratory export: one per column (header, ``units=``, cells) or one per row
(a unit column beside the values), and the conversion to canonical units through the one
unit layer (``labstats._validate.as_concentration``/``as_measure``). Used by
``labstats.datasets.labfile``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labstats import units as _units
from labstats._validate import (
    Advice,
    as_concentration,
    as_measure,
    check_column_unit,
    to_float_array,
)
from labstats.datasets._labcells import is_number
from labstats.datasets._labtext import is_blank

#: Reader column -> ``labstats.units.MEASURES`` entry (range and units of non-concentrations;
#: HbA1c: NGSP %, or IFCC mmol/mol converted by the master equation).
MEASURE_OF = {"age": "age", "bmi": "bmi", "waist": "waist_circumference", "hba1c": "hba1c"}
#: Spellings of years in headers ("Age (yrs)"), folded to the unit MEASURES knows.
_YEARS = {"year", "y", "yr", "yrs", "years"}
#: Every numeric reader column: analytes (units.ARGUMENTS) and measures.
NUMERIC = frozenset(_units.ARGUMENTS) | frozenset(MEASURE_OF)


def _py(value):
    return value.item() if isinstance(value, np.generic) else value


def resolve(name: str, unit: str) -> str:
    """Display spelling of ``unit`` for column ``name``; ``ValueError`` listing accepted ones."""
    if name in MEASURE_OF:
        if name == "age" and _units.normalize_unit(unit) in _YEARS:
            unit = "years"
        return _units.MEASURES[MEASURE_OF[name]].resolve(unit)
    return _units.resolve_unit(unit, _units.analyte_of(name))


def default_unit(name: str) -> str:
    if name in MEASURE_OF:
        return _units.MEASURES[MEASURE_OF[name]].canonical_unit
    return _units.ANALYTES[_units.analyte_of(name)].canonical_unit


def to_canonical(series, name: str, unit: str, insulin_factor, column_check: bool = True,
                 unit_column=None, advice=None, record=None):
    """Values (a Series in ``unit``) checked and converted to the canonical unit.

    An implausible value raises as in the formulas, and a column that looks like another
    unit warns, each with the reader's own step (``reader_advice``): ``units=`` (CLI
    ``--units``), or, when the unit came from the cells of a unit column (``unit_column``:
    its header), that cell (``units=`` cannot set the unit of one row); ``advice``: another
    (``labstats._advice.Advice``). ``column_check=False``: no column-level unit check (the
    caller judges the column). Insulin in µIU/mL is converted with ``insulin_factor``; a
    factor that is not the standard is the export's, for its insulin in any unit: recorded
    in ``record`` (a dict: the result's ``attrs``, see ``derive``) and said.
    """
    if name == "insulin" and not _standard(insulin_factor):
        if record is None or INSULIN_FACTOR not in record:  # said once (groups by unit)
            _insulin_round_trip(insulin_factor)
        if record is not None:
            record[INSULIN_FACTOR] = insulin_factor
    advice = advice or reader_advice(name, unit, unit_column)
    if name in MEASURE_OF:
        out = as_measure(series, name, unit=unit, measure=MEASURE_OF[name], column_check=False,
                         advice=advice)
    else:
        out = as_concentration(series, name, unit=unit, insulin_factor=insulin_factor,
                               column_check=False, advice=advice)
    if column_check:
        spec, factor = column_spec(name, unit, insulin_factor)
        check_column_unit(to_float_array(series, name), name, spec, unit, factor, advice)
    return out


def reader_advice(name: str, unit: str, unit_column=None) -> Advice:
    """The step a reader's unit message gives for column ``name`` in ``unit``: its
    ``units=`` (and the CLI's ``--units``), or, for rows whose unit is written in a unit
    column (``unit_column``: its header), to correct it there."""
    if unit_column is not None:
        return Advice(lambda alt: f"correct the unit {unit!r} of these rows in column "
                                  f"{unit_column!r}")
    return Advice(lambda alt: f"pass units={{{name!r}: {alt!r}}} (CLI: --units {name}={alt})")


#: The ``attrs`` key of a reader's result that holds the export's insulin factor (µIU/mL
#: to pmol/L) when it is not the standard: ``derive`` converts insulin back with it.
INSULIN_FACTOR = "insulin_factor"


def _standard(insulin_factor) -> bool:
    return _units._insulin_factor(insulin_factor) == _units.INSULIN_FACTORS["standard"]


def _insulin_round_trip(insulin_factor, kept: bool = True) -> None:
    """Warn when insulin is read with another factor than the standard: its µIU/mL are
    stored in pmol/L with it, and HOMA-IR, HOMA-%B and QUICKI, which take µIU/mL, convert
    back with their own ``insulin_factor`` (default "standard", 6.00): the lab's 10 µIU/mL
    read with 6.945 came back as 11.6 µIU/mL (HOMA-IR 16 % high) unless they are given the
    same factor. ``derive`` is, from the result's ``attrs`` while the frame keeps them
    (``kept``; a Dask result has none); a formula called on the column is not."""
    f, standard = _units._insulin_factor(insulin_factor), _units.INSULIN_FACTORS["standard"]
    if f == standard:
        return
    from labstats._validate import warn

    option = (f"derive options={{'homa_ir': {{'insulin_factor': {insulin_factor!r}}}}} "
              f"(likewise homa_b and quicki)")
    derive = (f"It is kept in the result's attrs[{INSULIN_FACTOR!r}], and derive converts "
              f"the insulin back to µIU/mL with it; pandas drops attrs when frames are "
              f"merged, joined or concatenated with others, and a written file has none: "
              f"then pass {option}." if kept else
              f"A Dask result has no attrs: pass {option}.")
    warn(f"insulin: read with insulin_factor={insulin_factor!r} ({f:g} pmol/L per µIU/mL, "
         f"not the standard {standard:.2f}), the export's factor for all its insulin (µIU/mL "
         f"converted to pmol/L with it, pmol/L taken as converted with it). {derive} A "
         f"formula taking insulin in µIU/mL (homa_ir, homa_b, quicki) called on the column "
         f"needs the same insulin_factor, or the insulin it uses is {f / standard:.4g} times "
         f"the laboratory's.")


def insulin_read(checked, insulin_factor, kept: bool) -> None:
    """``_insulin_round_trip`` of a reading of parts judged on the whole (``checked``:
    the (analyte, unit, rows, values) of its groups converted; ``_routine_screen``)."""
    if any(n == "insulin" for n, *_ in checked):
        _insulin_round_trip(insulin_factor, kept)


def column_spec(name: str, unit: str, insulin_factor):
    """(spec, factor) of the column-level unit check of column ``name`` in ``unit`` (a
    resolved unit), as ``to_canonical`` runs it: ``factor(u)`` converts u to canonical."""
    if name in MEASURE_OF:
        spec = _units.MEASURES[MEASURE_OF[name]]
        return spec, spec.factor
    spec = _units.ANALYTES[_units.analyte_of(name)]
    return spec, lambda u: spec.factor(u, insulin_factor=insulin_factor)


def column_unit(name, header, header_unit, given, cell_units) -> str | None:
    """The one declared unit of a column (header, ``units=`` and cells must agree), or None."""
    found = [u for u in (header_unit, given) if u]
    cell_units = cell_units.dropna() if cell_units is not None else cell_units
    if cell_units is not None and len(cell_units):
        distinct = cell_units.map(str.strip).unique().tolist()
        try:  # one unit spelt two ways ("nmol/L", "nmol/l") is one unit
            same = len({resolve(name, u) for u in distinct}) == 1
        except ValueError as exc:
            raise ValueError(f"column {header!r}: {exc}") from None
        if not same:
            firsts = {u: _py(cell_units.index[cell_units == u][0]) for u in distinct}
            raise ValueError(
                f"column {header!r}: mixed units in one column ("
                f"{', '.join(f'{u!r} first at row {r!r}' for u, r in firsts.items())}); give "
                f"each row's unit in a unit column (e.g. '{header} unit'), split the column by "
                f"unit, or convert the values before reading")
        found.append(distinct[0])
    try:
        resolved = {resolve(name, u) for u in found}
    except ValueError as exc:
        raise ValueError(f"column {header!r}: {exc}") from None
    if len(resolved) > 1:
        raise ValueError(f"column {header!r}: conflicting units {sorted(found)} (header, "
                         f"units= and cells must agree)")
    return resolved.pop() if resolved else None


@dataclass
class UnitColumn:
    """A column giving the unit of each row of another column (``"Testosterone unit"``)."""

    header: object
    name: str  # the value column's labstats name

    def convert(self, raw, values, name, header, declared, cell_units, insulin_factor,
                problems, *, report_implausible: bool = False, checked=None, advice=None,
                record=None):
        """Each row of ``values`` converted by its own unit; groups of rows, not a row loop.

        ``declared`` (header or ``units=``) fills rows whose unit cell is empty; a row with a
        value and no unit at all, an unknown unit, or a unit in the value cell that differs
        from the unit column is reported in ``problems`` (and is NaN). With
        ``report_implausible`` (long exports, where each row is its own result), a negative
        value or one outside the analyte's plausible range for its unit is reported per row
        too (and is NaN) instead of raising for the whole column; ``labstats.plausibility``
        "warn"/"ignore" keep such values as in the formulas. ``checked`` (a list): no
        column-level unit check here; (unit, row labels, values) of each unit's converted
        rows are appended to it, for the caller to judge the column. ``advice``: the step
        of the unit messages (default: correct the unit column's cells, ``reader_advice``);
        ``record``: as ``to_canonical``'s.
        """
        import pandas as pd

        codes, uniques = _unit_codes(raw[self.header])
        norm = np.array([_same_unit(name, u) for u in uniques] + [""], dtype=object)
        has_value = ~np.isnan(values)
        out = np.full(len(values), np.nan)
        if cell_units is not None and cell_units.notna().any():
            inside = cell_units.astype(object).where(cell_units.notna(), "").to_numpy()
            in_codes, in_uniques = pd.factorize(inside)
            inside_norm = np.array([_same_unit(name, u) for u in in_uniques],
                                   dtype=object)[in_codes]
            clash = (inside != "") & (inside_norm != norm[codes])
            units = {u: _is_unit(name, u) for u in in_uniques[np.unique(in_codes[clash])]}
            for i in np.flatnonzero(clash):
                problems.append((_py(raw.index[i]), header, _py(raw[header].iloc[i]),
                                 f"in unit {inside[i]!r}, but column {self.header!r} says "
                                 f"{uniques[codes[i]]!r}; correct one of them"
                                 if units[inside[i]] else
                                 f"text {inside[i]!r} after the number is neither a unit of "
                                 f"{name} nor a result flag (H, L, HH, LL, A, N, *, ...): a "
                                 f"footnote, a range or a comparator after the number? "
                                 f"Correct the cell (a comparator goes before it: '<0.5')"))
            has_value &= ~clash
        for k, unit in enumerate(uniques):
            rows = (codes == k) & has_value
            if not rows.any():
                continue
            if unit == "":
                if declared is None:
                    problems.extend(
                        (_py(raw.index[i]), self.header, "", f"empty, but column {header!r} has "
                         f"a value in this row; fill in its unit, or pass units={{{name!r}: "
                         f"...}} for rows without one") for i in np.flatnonzero(rows))
                    continue
                unit = declared
            try:
                unit = resolve(name, unit)
                if declared is not None and unit != declared:
                    problems.extend(
                        (_py(raw.index[i]), self.header, uniques[k], f"not the unit {declared!r} "
                         f"of column {header!r} (its header or units=); correct one of them")
                        for i in np.flatnonzero(rows))
                    continue
            except ValueError as exc:
                why = "an " + str(exc).replace(f"unknown unit {unit!r}", "unknown unit", 1)
                problems.extend((_py(raw.index[i]), self.header, uniques[k], why)
                                for i in np.flatnonzero(rows))
                continue
            if report_implausible:
                rows &= ~_implausible(values, rows, raw, name, header, unit, insulin_factor,
                                      problems)
            group = pd.Series(values[rows], index=raw.index[rows])
            out[rows] = to_canonical(group, name, unit, insulin_factor, checked is None,
                                     self.header if uniques[k] != "" else None, advice, record)
            if checked is not None:
                checked.append((unit, raw.index[rows].to_numpy(), values[rows]))
        return out


def _same_unit(name: str, unit: str) -> str:
    """A key equal for two spellings of one unit of column ``name`` ("ng/L" and "pg/mL" of
    estradiol, "mIU/L" and "µIU/mL"): the unit ``resolve`` reads, else the folded text."""
    try:
        return resolve(name, unit)
    except ValueError:
        return _units.normalize_unit(unit)


def _is_unit(name: str, unit: str) -> bool:
    """Whether ``unit`` is a unit the reader knows for column ``name`` (``resolve``)."""
    try:
        resolve(name, unit)
    except ValueError:
        return False
    return True


def _strip(cells):
    """Unit cells as stripped text, "" where empty (element by element)."""
    return cells.astype(object).where(cells.notna(), "").astype(str).str.strip()


def _unit_codes(cells):
    """``pd.factorize`` of the stripped unit texts of ``cells`` (codes, uniques).

    The texts are stripped once per distinct cell, not once per row, when the cells have
    one type (a string or number column; an object column may hold 1 and 1.0, equal as
    values but not as text, so it is stripped row by row): the same codes and uniques.
    """
    import pandas as pd

    if cells.dtype == object or cells.dtype.kind == "f":  # 1 == 1.0 == True, 0.0 == -0.0
        return pd.factorize(_strip(cells).to_numpy())
    first, distinct = pd.factorize(cells, use_na_sentinel=True)
    text = np.append(_strip(pd.Series(distinct, dtype=cells.dtype)).to_numpy(dtype=object), "")
    same, texts = pd.factorize(text)  # distinct cells may strip to one text
    codes, order = pd.factorize(same[first])  # in order of first appearance, by row
    return codes, texts[order]


def plausible_bounds(name: str, unit: str, insulin_factor):
    """(spec, low, high, table) of reader column ``name``'s plausible range in ``unit`` (a
    resolved unit): ``spec`` an entry of ``labstats.units.MEASURES`` or ``ANALYTES``
    (``table``)."""
    from labstats._validate import plausible_range

    if name in MEASURE_OF:
        spec = _units.MEASURES[MEASURE_OF[name]]
        return (spec, *spec.from_canonical(spec.plausible, unit), "MEASURES")
    spec = _units.ANALYTES[_units.analyte_of(name)]
    return (spec, *plausible_range(spec, unit, insulin_factor=insulin_factor), "ANALYTES")


def _implausible(values, rows, raw, name, header, unit, insulin_factor, problems):
    """Rows of ``rows`` negative or implausible for ``unit``, reported; their mask."""
    from labstats._validate import likely_units, plausibility_mode

    x = np.where(rows, values, np.nan)
    negative = x < 0
    bad = negative.copy()
    if plausibility_mode() == "raise":
        spec, lo, hi, table = plausible_bounds(name, unit, insulin_factor)
        far = ~negative & ((x < lo) | (x > hi))
        bad |= far
        if far.any():  # each value's own likely unit (not the group's: the same in parts)
            where = np.flatnonzero(far)
            alts = likely_units(x[where], spec, unit, insulin_factor)
            start = (f"implausible for {unit} (plausible {lo:g}-{hi:g} {unit} per labstats."
                     f"units.{table}['{spec.name}']); ")
            end = "; wrap the call in `with labstats.plausibility('warn'):` if it is real"
            why = {alt: start + (f"if it is {alt[0]}, correct the unit" + (
                f" ({' or '.join(alt[1:])} would also make it plausible)" if len(alt) > 1
                else "") if alt else "check the unit") + end for alt in dict.fromkeys(alts)}
            problems.extend((_py(raw.index[i]), header, _py(raw[header].iloc[i]), why[alt])
                            for i, alt in zip(where, alts, strict=True))
    problems.extend((_py(raw.index[i]), header, _py(raw[header].iloc[i]),
                     "negative: a concentration cannot be negative") for i in np.flatnonzero(
                         negative))
    return bad



def check_units_row(raw, names, header_units=None) -> None:
    """A first data row that holds units ("ng/dL" under "Testosterone") rather than values
    is an error naming its cells and the fix, before any of its cells is reported as "not a
    number" and before the values under it are checked against a unit they may not be in.
    ``header_units``: the unit each header gives ("Testosterone (ng/dL)"), or None."""
    if len(raw) < 2:
        return
    cells = [(header, names[header], raw[header].iloc[0]) for header in raw.columns
             if names[header] in NUMERIC]
    filled = [(h, n, c) for h, n, c in cells if not is_blank(c)]
    if any(not isinstance(c, str) for _, _, c in filled):  # a number (Excel): values
        return
    text = [(h, n, c.strip()) for h, n, c in filled]
    found = [(h, n, c) for h, n, c in text if _is_unit(n, c)]
    # a units row: units in at least half of its numeric columns' cells and no number
    # (a data row may hold one cell such as "mg/dL" typed by mistake, not half of them)
    if not found or 2 * len(found) < len(text) or any(
            is_number(c) for _, _, c in text):
        return
    shown = ", ".join(f"{c!r} under {h!r} (read as {n})" for h, n, c in found[:6])
    more = f" and {len(found) - 6} more" if len(found) > 6 else ""
    head = (header_units or {}).get
    bare = [(h, n, c) for h, n, c in found if not head(h)]  # headers without a unit
    given = ", ".join(f"{n!r}: {resolve(n, c)!r}" for _, n, c in bare)
    fix = (f"labstats takes a column's unit from its header, e.g. '{bare[0][0]} "
           f"({bare[0][2]})', or from units={{{given}}}: delete the units row, then put the "
           f"units in the headers or pass them with units=" if bare else
           "the headers give their units already: delete the units row (after checking "
           "that it says the same)")
    raise ValueError(f"row {_py(raw.index[0])!r} (the line under the header) holds units, "
                     f"not values: {shown}{more}. {fix}")
