"""What read_nhanes reads: cycles, CDC files and variables, and the output columns.

Kept apart from the reader so the layout can be read (and extended) at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cycle:
    """An NHANES cycle: its label, file suffix, the year its files are filed under, and the
    range of its masked variance pseudo-strata (SDMVSTRA, DEMO documentation)."""

    label: str
    suffix: str
    begin_year: int
    strata: tuple[int, int]


#: Cycles read_nhanes knows, by label.
CYCLES = {
    "2011-2012": Cycle("2011-2012", "G", 2011, (90, 103)),
    "2013-2014": Cycle("2013-2014", "H", 2013, (104, 118)),
    "2015-2016": Cycle("2015-2016", "I", 2015, (119, 133)),
    "2021-2023": Cycle("2021-2023", "L", 2021, (173, 187)),
}


@dataclass(frozen=True)
class Variable:
    """One output column: the CDC variable(s) it comes from and their unit."""

    column: str
    names: tuple[str, ...]  # candidate CDC names, first found wins (renames across cycles)
    unit: str  # unit of the CDC variable; converted to the canonical unit
    analyte: str | None  # labstats.units analyte id, None for non-concentrations
    comment: str | None = None  # below-LOD comment-code variable (1 = below LLOD)


_TST = (
    Variable("total_testosterone", ("LBXTST",), "ng/dL", "testosterone", "LBDTSTLC"),
    Variable("estradiol", ("LBXEST",), "pg/mL", "estradiol", "LBDESTLC"),
    Variable("shbg", ("LBXSHBG",), "nmol/L", "shbg", "LBDSHGLC"),
)
_GLU = (Variable("glucose", ("LBXGLU",), "mg/dL", "glucose"),)
_INS = (Variable("insulin", ("LBXIN",), "µIU/mL", "insulin", "LBDINLC"),)

#: Component (CDC file prefix) -> the output columns it provides.
COMPONENTS = {
    "DEMO": (),
    "TST": _TST,
    "BIOPRO": (Variable("albumin", ("LBXSAL",), "g/dL", "albumin"),
               Variable("creatinine", ("LBXSCR",), "mg/dL", "creatinine")),
    "GLU": _GLU,
    "INS": _INS,
    "TRIGLY": (Variable("triglycerides", ("LBXTR", "LBXTLG"), "mg/dL", "triglycerides"),
               Variable("ldl_cholesterol", ("LBDLDL",), "mg/dL", "ldl_cholesterol")),
    "HDL": (Variable("hdl_cholesterol", ("LBDHDD",), "mg/dL", "hdl_cholesterol"),),
    "TCHOL": (Variable("total_cholesterol", ("LBXTC",), "mg/dL", "total_cholesterol"),),
    "GHB": (Variable("hba1c", ("LBXGH",), "%", None),),
    "BMX": (Variable("bmi", ("BMXBMI",), "kg/m²", None),
            Variable("waist", ("BMXWAIST",), "cm", None),
            Variable("weight", ("BMXWT",), "kg", None),
            Variable("height", ("BMXHT",), "cm", None)),
}

# Per-cycle layouts that differ from COMPONENTS: 2011-2012 measured testosterone only
# (TST_G has no comment code) and carried insulin in GLU_G (there is no INS_G); INS_H has
# no insulin comment code (LBDINLC starts with INS_I). A comment code of the layout that
# is absent from a file warns (a CSV conversion without it), so the layout must be exact.
_INS_NO_CODE = Variable("insulin", ("LBXIN",), "µIU/mL", "insulin")
_LAYOUT = {
    "G": {"TST": (Variable("total_testosterone", ("LBXTST",), "ng/dL", "testosterone"),),
          "GLU": (*_GLU, _INS_NO_CODE),
          "INS": ()},
    "H": {"INS": (_INS_NO_CODE,)},
}
# Component -> the file that holds its columns in a cycle, where it is another one.
_MOVED = {("G", "INS"): "GLU"}


def _source(cycle: Cycle, component: str) -> tuple[str, tuple[Variable, ...]]:
    """The CDC file (component prefix) holding ``component``'s columns in ``cycle``, and
    the variables read from it: asking for INS in 2011-2012 reads insulin from GLU_G."""
    source = _MOVED.get((cycle.suffix, component), component)
    variables = _LAYOUT.get(cycle.suffix, {}).get(source, COMPONENTS[source])
    if source != component:
        wanted = {v.column for v in COMPONENTS[component]}
        variables = tuple(v for v in variables if v.column in wanted)
    return source, variables

#: Output column -> (unit, description). The column dictionary of ``read_nhanes`` and
#: ``make_cohort``; data/README.md prints it.
COLUMNS = {
    "seqn": ("", "NHANES respondent sequence number (SEQN); unique across cycles"),
    "cycle": ("", "survey cycle, e.g. '2013-2014'"),
    "sex": ("", "'male' or 'female' (RIAGENDR 1 / 2)"),
    "age": ("years", "age at screening (RIDAGEYR); top-coded at 80 (80 means 80 or older)"),
    "age_months": ("months", "age in months at the MEC exam (RIDEXAGM), published for ages "
                             "0-19 years only (NaN for adults), as growth charts need it"),
    "pregnant": ("", "pregnancy at exam (RIDEXPRG): True (1, positive), False (2); <NA> when "
                     "not ascertained (3) or not asked (men, and women outside 20-44 years)"),
    "total_testosterone": ("nmol/L", "total testosterone, ID-LC-MS/MS (LBXTST, ng/dL)"),
    "estradiol": ("pmol/L", "estradiol, ID-LC-MS/MS (LBXEST, pg/mL); not measured in 2011-2012"),
    "shbg": ("nmol/L", "sex hormone-binding globulin (LBXSHBG); not measured in 2011-2012"),
    "albumin": ("g/L", "serum albumin, bromcresol purple (LBXSAL, g/dL)"),
    "creatinine": ("µmol/L", "serum creatinine, standard biochemistry profile (LBXSCR, mg/dL)"),
    "glucose": ("mmol/L", "fasting plasma glucose (LBXGLU, mg/dL); fasting subsample"),
    "insulin": ("pmol/L", "fasting insulin (LBXIN, µU/mL x 6.00); fasting subsample"),
    "triglycerides": ("mmol/L", "fasting triglycerides (LBXTR, mg/dL); fasting subsample"),
    "ldl_cholesterol": ("mmol/L", "LDL cholesterol as reported by NCHS (LBDLDL, Friedewald, "
                                  "mg/dL); fasting subsample"),
    "hdl_cholesterol": ("mmol/L", "direct HDL cholesterol (LBDHDD, mg/dL)"),
    "total_cholesterol": ("mmol/L", "total cholesterol (LBXTC, mg/dL)"),
    "hba1c": ("%", "glycohemoglobin, NGSP % (LBXGH)"),
    "bmi": ("kg/m²", "body mass index (BMXBMI)"),
    "waist": ("cm", "waist circumference (BMXWAIST)"),
    "weight": ("kg", "body weight (BMXWT)"),
    "height": ("cm", "standing height (BMXHT)"),
    "total_testosterone_below_lod": ("", "True when LBDTSTLC = 1: the value is LLOD/sqrt(2); "
                                         "<NA> when not measured or no comment code (2011-2012)"),
    "estradiol_below_lod": ("", "True when LBDESTLC = 1 (value is LLOD/sqrt(2))"),
    "shbg_below_lod": ("", "True when LBDSHGLC = 1 (value is LLOD/sqrt(2))"),
    "insulin_below_lod": ("", "True when LBDINLC = 1 (2015-2016 and later; value is "
                              "LLOD/sqrt(2)); <NA> where the file has no comment code"),
    "psu": ("", "masked variance pseudo-PSU (SDMVPSU)"),
    "strata": ("", "masked variance pseudo-stratum (SDMVSTRA)"),
    "weight_exam": ("persons", "MEC exam weight WTMEC2YR, divided by the number of cycles "
                               "pooled; 0 for interview-only participants"),
    "weight_fasting": ("persons", "fasting-subsample weight WTSAF2YR (glucose, insulin, "
                                  "triglycerides, LDL), divided by the number of cycles; NaN "
                                  "outside the fasting subsample"),
    "weight_hormone": ("persons", "weight for the sex-steroid analytes: WTPH2YR (phlebotomy "
                                  "weight of TST_L) in 2021-2023, WTMEC2YR in 2011-2016; divided "
                                  "by the number of cycles"),
}


def _resolve_cycles(cycles) -> list[Cycle]:
    if isinstance(cycles, str):
        cycles = (cycles,)
    by_suffix = {c.suffix: c for c in CYCLES.values()}
    out = []
    for c in cycles:
        key = str(c).strip()
        found = CYCLES.get(key) or by_suffix.get(key.upper())
        if found is None:
            raise ValueError(f"cycles: unknown cycle {c!r}; known cycles are "
                             f"{', '.join(CYCLES)} (or their letters G, H, I, L)")
        if found in out:
            raise ValueError(f"cycles: {found.label!r} is listed twice")
        out.append(found)
    if not out:
        raise ValueError("cycles: give at least one cycle, e.g. ('2013-2014', '2015-2016')")
    return out


def _resolve_components(components) -> list[str]:
    if components is None:
        return list(COMPONENTS)
    if isinstance(components, str):
        components = (components,)
    out = ["DEMO"]
    for c in components:
        key = str(c).strip().upper()
        if key not in COMPONENTS:
            raise ValueError(f"components: unknown component {c!r}; known components are "
                             f"{', '.join(COMPONENTS)}")
        if key not in out:
            out.append(key)
    return out
