# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Routine laboratory data: from a long export to calculated free testosterone per draw
#
# **Question.** A laboratory information system (LIS) or an EHR research extract holds one
# row per result: testosterone, SHBG and albumin of one blood draw are separate rows, units
# change with assays, some results are reruns, duplicates or unreadable. What does such an
# export hold, row by row; which results belong to one draw; what is the calculated free
# testosterone (FT) of each draw; and how is FT distributed against total testosterone (TT)
# in the people a laboratory actually tests?
#
# **Data.** By default a synthetic LIS export with a known truth,
# `labstats.make_lab_results(3000, seed=0)`: 3,000 patients, several draws each, TT in
# ng/dL (LOINC 2986-8) until an assay change on 2020-01-01 and in nmol/L (14913-8) after,
# censored results, exact copies of 3 % of the rows (sodium aside), reruns of 4 % of the
# TT results with another value, draws without SHBG or albumin, sodium results labstats
# does not use and 2.5 % more rows that cannot be used or were withdrawn (the shares of the
# whole file are counted in section 1). **Your own export:** set the environment variable
# `LABSTATS_EXPORT=path/to/export.csv` (CSV/TSV, Excel, Parquet or a folder of Parquet
# files, in the LIS or MIMIC-IV `labevents` shape; `data/README.md`, section 5) before
# starting Jupyter or `labstats report`, and `LABSTATS_TEST_MAP=codes.csv` (columns
# `code,analyte`) if its test codes are local ones rather than LOINC. Headers labstats does
# not recognise get their role from `LABSTATS_COLUMNS`, written as `labstats derive
# --column-map` takes them (`LABSTATS_COLUMNS='Pat_No=patient_id,Analyt=test,Wert=value'`;
# roles `patient_id`, `specimen_id`, `collected_at`, `test`, `value`, `unit`, `flag`,
# `status`). The comparisons with
# the generator's truth then drop out; everything else runs on your file, which is only
# read, never modified.
#
# **Reproduced (asserted).** On the synthetic export: the counts of `read_lab_results`
# equal those the generator wrote, draw by draw pairing equals its truth (by specimen and
# by time window, repeats "first" and "last"), and FT per draw equals
# `labstats.free_testosterone` of the true values. Outside the project: the ISSAM worked
# example (Fiers & Kaufman, issam.ch/freetesuit.html; Vermeulen 1999), written as a
# three-row LIS export (TT 288.4 ng/dL, SHBG 40 nmol/L, albumin 4.3 g/dL), gives
# FT 0.1739 nmol/L, 1.74 % of TT, through the same read -> pair -> derive.
# **Run time:** a few seconds.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

import labstats

sns.set_theme(style="whitegrid")
pd.set_option("display.max_colwidth", 120)  # the reasons of the per-row report in full
ANALYTES = ["total_testosterone", "shbg", "albumin"]
EXPORT = os.environ.get("LABSTATS_EXPORT") or None  # None: the synthetic export below
TEST_MAP = os.environ.get("LABSTATS_TEST_MAP") or None
# LABSTATS_COLUMNS="HEADER=ROLE,...": the roles of headers labstats does not recognise
COLUMNS = {}
for pair in filter(str.strip, os.environ.get("LABSTATS_COLUMNS", "").split(",")):
    header, sep, role = pair.partition("=")
    if not sep:
        raise ValueError(f"LABSTATS_COLUMNS: {pair!r} is not HEADER=ROLE, e.g. "
                         f"'Pat_No=patient_id,Wert=value'")
    COLUMNS[header.strip()] = role.strip()
if EXPORT is None:
    export = labstats.make_lab_results(3000, seed=0)
    truth = (export.attrs["truth"].sort_values(["patient_id", "collected_at"])
             .reset_index(drop=True))
    sex = export.attrs["sex"]  # patient -> sex, known to the generator (not in the export)
    source, label = export, "synthetic LIS export (make_lab_results(3000, seed=0))"
else:
    truth = sex = None
    source, label = EXPORT, f"your export {EXPORT}"
print(label)

# %% [markdown]
# ## 1. What was read
#
# `read_lab_results` keeps every row of the export, in order, with its `source_row` and a
# status: **used** (value read and converted to the canonical unit by its own unit),
# **reported** (cannot be used, with the reason), **excluded** (a test labstats does not
# use, or a result withdrawn by its status), **duplicate** (an exact copy of an earlier
# used row). Nothing is dropped, so the four add up to the rows of the file.

# %%
results = labstats.read_lab_results(source, columns=COLUMNS or None, test_map=TEST_MAP)
counts = results.attrs["counts"]
assert counts["used"] + counts["reported"] + counts["excluded"] + counts["duplicates"] \
    == counts["rows"] == len(results)
if truth is not None:
    assert counts == export.attrs["expected_counts"], (counts, export.attrs["expected_counts"])
pd.DataFrame({"rows": pd.Series(counts)}).assign(
    share=lambda t: (100 * t["rows"] / counts["rows"]).round(1).astype(str) + " %")

# %% [markdown]
# The per-row report (`attrs["report"]`: one line per reported or excluded row, with its
# `source_row`, the column and the cell) grouped by reason, most frequent first. A result
# replaced by a later one (a correction "C" replaces a final "F", HL7 v2 table 0085) names
# the row that replaces it, and a MIMIC-IV value its `valuenum` contradicts names both
# numbers; those parts are left out here, so each counts as one reason.

# %%
report = results.attrs["report"]
kind = (report["reason"].str.replace(r" at row \d+ replaces", " replaces", regex=True)
        .str.replace(r"the value's number \S+ and its valuenum \S+ disagree",
                     "the value's numbers disagree", regex=True))
reasons = (report.groupby([report["status"], kind]).agg(rows=("source_row", "size"),
                                                    first_source_row=("source_row", "min"))
           .sort_values("rows", ascending=False).reset_index())
assert reasons["rows"].sum() == counts["reported"] + counts["excluded"]
reasons.head(10)

# %% [markdown]
# Test codes the export holds but labstats does not map to an analyte (here sodium, LOINC
# 2951-2). A code of a test you need goes into `test_map=` (or `LABSTATS_TEST_MAP`):

# %%
unknown = results.attrs["unknown_tests"]
if truth is not None:
    assert unknown["test"].tolist() == ["2951-2"]
unknown.head(10)

# %% [markdown]
# The used rows by analyte and the unit they were written in: the assay change shows up
# as two units of TT, each converted by its own factor.

# %%
used = results[results["status"] == "used"]
by_unit = used.groupby(["analyte", "raw_unit"]).size().rename("rows").reset_index()
if truth is not None:
    assert set(by_unit.loc[by_unit.analyte == "total_testosterone", "raw_unit"]) == {
        "ng/dL", "nmol/L"}
by_unit

# %% [markdown]
# ## 2. Pairing results into draws
#
# A draw is one row with its TT, SHBG and albumin side by side. With specimen (accession)
# ids, `pair_results(by="specimen")` pairs the results of one specimen; without them,
# `by="window"` pairs a patient's results collected within a window (here 1 day) of the
# first result of a draw. Several different results of one analyte in one draw (a rerun)
# are resolved by `repeats=` and counted. `results` counts the used rows of TT, SHBG and
# albumin that were paired (glucose, also in this export, is not asked for here).

# %%
BY = "specimen" if "specimen_id" in results.columns else "window"
paired = labstats.pair_results(results, by=BY, analytes=ANALYTES)
by_window = labstats.pair_results(results, by="window", window="1D", analytes=ANALYTES)
assert paired.attrs["counts"]["results"] == used["analyte"].isin(ANALYTES).sum()
if truth is not None:
    for draws in (paired, by_window):
        assert draws["patient_id"].tolist() == truth["patient_id"].tolist()
        assert (draws["collected_at"] == truth["collected_at"]).all()
        for a in ANALYTES:
            np.testing.assert_array_equal(draws[a].to_numpy(), truth[a].to_numpy(float))
            assert draws[f"{a}_censored"].tolist() == truth[f"{a}_censored"].tolist()
    assert paired["specimen_id"].tolist() == truth["specimen_id"].tolist()
    print(f"pairing by specimen and by a 1-day window both equal the truth, "
          f"{len(truth):,} draws")
pd.DataFrame({f"by={BY}": paired.attrs["counts"],
              "by=window (1D)": by_window.attrs["counts"]})

# %% [markdown]
# Not every draw has all three: calculated FT needs TT, SHBG and albumin of the same draw
# (`derive` does not silently substitute a default albumin; notebook 03 shows what that
# would change).

# %%
has = paired[ANALYTES].notna()
completeness = (has.assign(shbg=has.shbg.map({True: "SHBG", False: "no SHBG"}),
                           albumin=has.albumin.map({True: "albumin", False: "no albumin"}))
                .value_counts(["shbg", "albumin"]).rename("draws").reset_index())
completeness["share"] = (100 * completeness["draws"] / len(paired)).round(1)
assert completeness["draws"].sum() == len(paired)
completeness

# %% [markdown]
# What the repeats policy did: draws with two different TT results (a rerun) keep the first
# by default; `repeats="last"` keeps the rerun, `"mean"` averages them. A few of those
# draws, with the export rows the values came from:

# %%
policies = {r: labstats.pair_results(results, by=BY, repeats=r, analytes=ANALYTES)
            for r in ("first", "last", "mean")}
if truth is not None:
    last = (export.attrs["truth_last"].sort_values(["patient_id", "collected_at"])
            .reset_index(drop=True))
    np.testing.assert_array_equal(policies["last"]["total_testosterone"],
                                  last["total_testosterone"])
differs = (policies["first"]["total_testosterone"]
           != policies["last"]["total_testosterone"]).to_numpy()
if truth is not None:  # the generator reruns TT only
    assert differs.sum() == policies["first"].attrs["counts"]["conflicts"] > 0
key = ["patient_id", "specimen_id"] if BY == "specimen" else ["patient_id", "collected_at"]
reruns = paired.loc[differs, key].assign(**{
    f"TT {r} [nmol/L]": p.loc[differs, "total_testosterone"].round(2)
    for r, p in policies.items()}, **{
    f"row ({r})": p.loc[differs, "total_testosterone_source_row"]
    for r, p in policies.items() if r != "mean"})
print(f"{differs.sum():,} of {len(paired):,} draws have a TT rerun with another value; "
      f"median |last - first| = "
      f"{np.median(np.abs(reruns['TT last [nmol/L]'] - reruns['TT first [nmol/L]'])):.2f} "
      "nmol/L")
reruns.head(6)

# %% [markdown]
# ## 3. Calculated free testosterone per draw
#
# `labstats.derive` adds FT (Vermeulen 1999, measured albumin), bioavailable T and the
# free androgen index (FAI = 100·TT/SHBG) to each draw whose inputs are present; FT in
# pmol/L. A draw whose TT or SHBG was censored (`<7 ng/dL`, `>180 nmol/L`) carries that
# in `<analyte>_censored`: its FT inherits the uncertainty.

# %%
HORMONES = ["free_testosterone", "bioavailable_testosterone", "free_androgen_index"]
OPTIONS = {"free_testosterone": {"output_unit": "pmol/L"}}
draws = labstats.derive(paired, HORMONES, options=OPTIONS)
if truth is not None:
    expected = labstats.free_testosterone(truth["total_testosterone"], truth["shbg"],
                                          truth["albumin"], output_unit="pmol/L")
    np.testing.assert_allclose(draws["free_testosterone"], expected, rtol=1e-12,
                               equal_nan=True)
censored_input = (draws["total_testosterone_censored"] != "") | (draws["shbg_censored"] != "")
print(f"FT calculated for {draws.free_testosterone.notna().sum():,} of {len(draws):,} draws; "
      f"{(censored_input & draws.free_testosterone.notna()).sum():,} of them from a censored "
      "TT or SHBG")
draws[key + ["collected_at", *ANALYTES, *HORMONES]].head().round(
    dict.fromkeys([*ANALYTES, *HORMONES], 3))

# %% [markdown]
# An outside check of the whole chain: the ISSAM worked example as a laboratory would send
# it (TT in ng/dL, albumin in g/dL, one accession), read, paired and derived like the
# export. ISSAM (issam.ch/freetesuit.html) gives FT = 0.1739 nmol/L, 1.74 % of TT.

# %%
issam = pd.DataFrame({"Patient ID": ["X"] * 3, "Accession": ["A1"] * 3,
                      "Collected": ["2024-01-02 08:00"] * 3,
                      "Test Code": ["2986-8", "13967-5", "1751-7"],
                      "Result": ["288.4", "40", "4.3"], "Units": ["ng/dL", "nmol/L", "g/dL"]})
one = labstats.derive(labstats.pair_results(labstats.read_lab_results(issam)),
                      ["free_testosterone"], options=OPTIONS)
ft = one.loc[0, "free_testosterone"]
assert round(ft / 1000, 4) == 0.1739
assert round(100 * ft / 1000 / one.loc[0, "total_testosterone"], 2) == 1.74
one[["total_testosterone", "shbg", "albumin", "free_testosterone"]].round(4)

# %% [markdown]
# ## 4. Free T against total T in the tested population
#
# One point per draw with FT. The export has no sex column (result exports rarely do);
# the synthetic one knows it from the generator, a real one would join it from the
# patient table. Draws whose TT was below the limit of quantitation are drawn as crosses
# (their TT is the limit/√2).

# %%
plot = draws[draws.free_testosterone.notna()].copy()
plot["sex"] = plot["patient_id"].map(sex) if sex is not None else "sex not in the export"
plot["total T"] = np.where(plot["total_testosterone_censored"] == "<", "below LoQ", "measured")
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
sns.scatterplot(data=plot, x="total_testosterone", y="free_testosterone", hue="sex",
                style="total T", markers={"measured": "o", "below LoQ": "X"}, s=10, alpha=0.4,
                linewidth=0, ax=axes[0])
axes[0].set(xscale="log", yscale="log", xlabel="total T [nmol/L], log scale",
            ylabel="free T [pmol/L], log scale",
            title=f"{len(plot):,} draws, {plot.patient_id.nunique():,} patients")
plot["free %"] = 100 * plot["free_testosterone"] / 1000 / plot["total_testosterone"]
sns.scatterplot(data=plot, x="shbg", y="free %", hue="sex", s=10, alpha=0.4, linewidth=0,
                legend=False, ax=axes[1])
axes[1].set(xscale="log", xlabel="SHBG [nmol/L], log scale", ylabel="free T [% of total T]",
            title="the free fraction is set by SHBG (and albumin)")
fig.suptitle(label)
fig.tight_layout()

# %% [markdown]
# Percentiles of TT (nmol/L) and FT (pmol/L) per sex, per draw and per patient (first draw
# only): patients tested often weigh more in a per-draw summary.

# %%
first = plot.sort_values("collected_at").drop_duplicates("patient_id")
summary = pd.concat({"all draws": plot, "first draw per patient": first}, names=["unit"])
summary = (summary.groupby(["unit", "sex"])[["total_testosterone", "free_testosterone"]]
           .describe(percentiles=[0.05, 0.5, 0.95])
           .loc[:, (slice(None), ["count", "5%", "50%", "95%"])].round(2))
assert (summary.xs("count", axis=1, level=1).iloc[:, 0].groupby("unit").sum()
        == [len(plot), plot.patient_id.nunique()]).all()
summary

# %% [markdown]
# The calculated value depends on the binding model: the same draws by Södergård 1982's
# constants (as in some laboratories' calculators) instead of Vermeulen 1999's:

# %%
other = labstats.derive(paired, ["free_testosterone"], options={
    "free_testosterone": {"method": "sodergard1982", "output_unit": "pmol/L"}})
ratio = (other["free_testosterone"] / draws["free_testosterone"]).dropna()
print(f"Södergård / Vermeulen, per draw: median {ratio.median():.2f} "
      f"(5th-95th percentile {ratio.quantile(0.05):.2f}-{ratio.quantile(0.95):.2f})")
assert len(ratio) == len(plot) and not np.allclose(ratio, 1.0)

# %% [markdown]
# When the draws were taken, and which TT assay (unit) was in use, by year: TT has a
# diurnal rhythm (higher in the morning), and an assay change can shift values.

# %%
tt_rows = used[used.analyte == "total_testosterone"]
hours = plot["collected_at"].dt.hour
print(f"{(hours < 10).mean():.0%} of the draws with FT were collected before 10:00 "
      f"(range {hours.min()}:00-{hours.max()}:59)")
pd.crosstab(tt_rows["collected_at"].dt.year, tt_rows["raw_unit"], margins=True)

# %% [markdown]
# **Reading, and its limits.** The figure describes draws that were ordered, not a
# population:
#
# - **Routine data are patients, not a healthy population.** Tests are ordered for a
#   reason (symptoms, a follow-up, a treatment being monitored), so the distribution mixes
#   the healthy with the ill and the treated; it is not a reference interval (notebook 07
#   shows indirect methods that try to recover one, and their assumptions).
# - **Repeats.** Patients tested often contribute many draws; reruns of one specimen
#   were resolved by `repeats=`. Summaries per patient and per draw differ.
# - **Time of day.** TT is higher in the morning; draws at other hours, or with unknown
#   times, are not comparable with morning values.
# - **Assay changes.** A new assay (here visible as a change of unit) can shift the values;
#   compare the periods before pooling them.
# - **The binding model.** FT here is calculated (Vermeulen 1999, measured albumin), not
#   measured; another model gives other numbers for the same draw (above), and draws
#   without SHBG or albumin have none.
#
# The synthetic export has none of the selection of a real one; its numbers only show
# what the code does. labstats computes and describes these values; it does not
# recommend a treatment or an "optimal" level, and no reference range is drawn here.
