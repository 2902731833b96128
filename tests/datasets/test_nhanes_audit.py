"""Adversarial audit of the NHANES data path: cases where a user got wrong weights, lost
or duplicated rows, or wrong values without being told. Each test failed on the code
before its fix (see the commit messages). References: CDC NHANES analytic guidelines
(pooled 2-year cycles: divide each weight by the number of cycles pooled; SOURCES.md,
"Weights and design") and the docstrings' own promises.
"""

from __future__ import annotations

import warnings

import pytest

from labstats.datasets import load_nhanes
from labstats.datasets.embedded import extract_table
from labstats.datasets.nhanes import pool_cycles


def _single(label):
    table = extract_table()
    return table[table["cycle"] == label].reset_index(drop=True)


def test_pool_cycles_refuses_more_frames_than_labels():
    # Old code: 3 frames, 2 labels -> weights divided by 2, summing to 467 M people
    # instead of 311 M (mean of the three cycles' 306.6, 311.2, 316.5 M), silently.
    frames = [_single("2013-2014"), _single("2015-2016"), _single("2011-2012")]
    with pytest.raises(ValueError, match="3 frames"):
        pool_cycles(frames, ["2013-2014", "2015-2016"], testosterone=False)


def test_pool_cycles_refuses_a_mislabelled_frame():
    # Old code: bridging keyed on the cycle column silently bridged nothing when the
    # labels were swapped or wrong, and the weights were divided as if labels were right.
    g, h = _single("2011-2012"), _single("2013-2014")
    with pytest.raises(ValueError, match=r"labels\[0\] is '2011-2012'"):
        pool_cycles([h, g], ["2011-2012", "2013-2014"], bridge_testosterone=True)


def test_pool_cycles_refuses_an_already_pooled_frame():
    # Old code: a frame of load_nhanes(["H", "I"]) (weights already halved) pooled again
    # with 2011-2012 had its weights halved twice: 2013-2016 represented 157 M people.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pooled = load_nhanes(["2013-2014", "2015-2016"])
    with pytest.raises(ValueError, match="frames\\[0\\]"):
        pool_cycles([pooled, _single("2011-2012")], ["2013-2014", "2011-2012"],
                    testosterone=False)


def test_pool_cycles_refuses_bridging_twice():
    # Old code: a 2011-2012 frame of load_nhanes(bridge_testosterone=True) bridged again.
    g = load_nhanes("2011-2012", bridge_testosterone=True)
    with pytest.raises(ValueError, match="already bridged"):
        pool_cycles([g, _single("2013-2014")], ["2011-2012", "2013-2014"],
                    bridge_testosterone=True)


def test_pool_cycles_still_pools_single_cycles():
    h, i = load_nhanes("2013-2014"), load_nhanes("2015-2016")
    both = pool_cycles([h, i], ["2013-2014", "2015-2016"])
    # WTMEC2YR sums of SOURCES.md: 311.2 M (H) and 316.5 M (I), halved when pooled.
    assert both["weight_exam"].sum() / 1e6 == pytest.approx((311.2 + 316.5) / 2, abs=0.1)
    assert len(both) == len(h) + len(i)


def _folder(tmp_path, tst_columns, glu_columns):
    import pandas as pd
    import pyreadstat

    demo = pd.DataFrame({"SEQN": [1.0, 2.0, 3.0], "RIAGENDR": [1.0, 2.0, 1.0],
                         "RIDAGEYR": [40.0, 30.0, 50.0], "WTMEC2YR": [1e4, 2e4, 3e4],
                         "SDMVPSU": [1.0, 2.0, 1.0], "SDMVSTRA": [104.0, 104.0, 105.0]})
    pyreadstat.write_xport(demo, str(tmp_path / "DEMO_H.XPT"), table_name="DEMO_H")
    tst = {"SEQN": [1, 2], "LBXTST": [0.53, 25.1], "LBDTSTLC": [1, 0], "LBXEST": [2.117, 50.0],
           "LBDESTLC": [1, 0], "LBXSHBG": [30.0, 40.0], "LBDSHGLC": [0, 0]}
    glu = {"SEQN": [1, 2], "WTSAF2YR": [3e4, 5e4], "LBXGLU": [90.0, 100.0]}
    pd.DataFrame({k: tst[k] for k in tst_columns}).to_csv(tmp_path / "TST_H.csv", index=False)
    pd.DataFrame({k: glu[k] for k in glu_columns}).to_csv(tmp_path / "GLU_H.csv", index=False)
    return tmp_path


def test_csv_without_comment_code_or_fasting_weight_warns(tmp_path):
    # Old code: a CSV conversion without LBDTSTLC left total_testosterone_below_lod <NA>
    # for a value CDC marks as below the LLOD (0.53 ng/dL = LLOD/sqrt(2), SOURCES.md), and
    # one without WTSAF2YR left weight_fasting NaN beside glucose values, both silently.
    from labstats import LabstatsWarning
    from labstats.datasets import read_nhanes

    folder = _folder(tmp_path, ["SEQN", "LBXTST", "LBXEST", "LBDESTLC", "LBXSHBG", "LBDSHGLC"],
                     ["SEQN", "LBXGLU"])
    with pytest.warns(LabstatsWarning, match=r"TST_H.csv has no LBDTSTLC.*GLU_H.csv has no "
                                             r"WTSAF2YR \(weight_fasting\)"):
        out = read_nhanes(folder, ["2013-2014"], ["TST", "GLU"], check_counts=False)
    assert out["total_testosterone_below_lod"].isna().all()
    assert out["estradiol_below_lod"].tolist()[:2] == [True, False]


def test_complete_csv_conversion_reads_without_warning(tmp_path):
    from labstats.datasets import read_nhanes

    folder = _folder(tmp_path, ["SEQN", "LBXTST", "LBDTSTLC", "LBXEST", "LBDESTLC", "LBXSHBG",
                                "LBDSHGLC"], ["SEQN", "WTSAF2YR", "LBXGLU"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = read_nhanes(folder, ["2013-2014"], ["TST", "GLU"], check_counts=False)
    assert out["total_testosterone_below_lod"].tolist()[:2] == [True, False]
    assert out["weight_fasting"].tolist()[:2] == [3e4, 5e4]


@pytest.mark.parametrize("cycle", ["2011-2012", "2013-2014", "2015-2016"])
def test_cdc_files_read_without_a_missing_column_warning(cycle):
    # INS_H has no LBDINLC in CDC's file (SOURCES.md: "INS_I has an insulin comment code
    # LBDINLC"); the layout must say so, or every CDC INS_H would warn.
    from labstats.datasets import read_nhanes
    from tests.conftest import NHANES, require_shared

    require_shared(NHANES / "INS_H.csv.xz")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_nhanes(NHANES, [cycle])


def test_insulin_of_2011_2012_is_read_and_fetched_from_glu_g(tmp_path):
    # 2011-2012 has no INS_G: insulin (LBXIN) is in GLU_G (SOURCES.md, "GLU_G also carries
    # insulin"). Old code: components=["INS"] for 2011-2012 downloaded nothing and read no
    # file, giving insulin all NaN with no warning.
    import pandas as pd
    import pyreadstat

    from labstats.datasets import fetch_nhanes, read_nhanes

    site = tmp_path / "site" / "2011" / "DataFiles"
    site.mkdir(parents=True)
    demo = pd.DataFrame({"SEQN": [1.0, 2.0], "RIAGENDR": [1.0, 2.0], "RIDAGEYR": [40.0, 30.0],
                         "WTMEC2YR": [1e4, 2e4], "SDMVPSU": [1.0, 2.0],
                         "SDMVSTRA": [90.0, 90.0]})
    glu = pd.DataFrame({"SEQN": [1.0, 2.0], "WTSAF2YR": [3e4, 0.0], "LBXGLU": [90.0, 100.0],
                        "LBXIN": [10.0, 5.0]})
    pyreadstat.write_xport(demo, str(site / "DEMO_G.xpt"), table_name="DEMO_G")
    pyreadstat.write_xport(glu, str(site / "GLU_G.xpt"), table_name="GLU_G")
    folder = fetch_nhanes(["2011-2012"], ["INS"], tmp_path / "cache",
                          base_url=(tmp_path / "site").as_uri(), progress=False, retries=0,
                          check_counts=False)
    assert sorted(p.name for p in folder.iterdir()) == ["DEMO_G.XPT", "GLU_G.XPT"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = read_nhanes(folder, ["2011-2012"], ["INS"], check_counts=False)
    assert out["insulin"].tolist() == [60.0, 30.0]  # 6.00 pmol/L per µU/mL (LBDINSI)
    assert out["weight_fasting"].tolist() == [3e4, 0.0]
    assert out["glucose"].isna().all()  # GLU was not asked for


def test_demo_of_another_cycle_renamed_is_refused(tmp_path):
    # Pseudo-strata per cycle (SOURCES.md, "Weights and design"): 90-103 (G), 104-118 (H),
    # 119-133 (I), 173-187 (L). Old code: a 2015-2016 DEMO saved as DEMO_H.XPT, read with
    # check_counts=False (the documented switch for a re-released file), was labelled
    # 2013-2014 silently, its participants and weights counted as another cycle's.
    import pandas as pd
    import pyreadstat

    from labstats.datasets import read_nhanes

    demo = pd.DataFrame({"SEQN": [83732.0, 83733.0], "RIAGENDR": [1.0, 2.0],
                         "RIDAGEYR": [62.0, 53.0], "WTMEC2YR": [1e4, 2e4],
                         "SDMVPSU": [1.0, 1.0], "SDMVSTRA": [125.0, 125.0]})
    pyreadstat.write_xport(demo, str(tmp_path / "DEMO_H.XPT"), table_name="DEMO_I")
    with pytest.raises(ValueError, match=r"SDMVSTRA 125 \(SEQN 83732.*outside 104-118"):
        read_nhanes(tmp_path, ["2013-2014"], ["DEMO"], check_counts=False)
    (tmp_path / "DEMO_H.XPT").rename(tmp_path / "DEMO_I.XPT")
    assert read_nhanes(tmp_path, ["2015-2016"], ["DEMO"], check_counts=False)["strata"].tolist() \
        == [125, 125]


def test_fetch_checksum_keyed_by_file_name_or_typo_is_not_ignored(tmp_path):
    # Old code: sha256={"DEMO_H.XPT": ...} (the name in SHA256SUMS) or a typo matched no
    # stem, so the file was saved unchecked while the caller believed it pinned.
    import pandas as pd
    import pyreadstat

    from labstats.datasets import fetch_nhanes

    site = tmp_path / "site" / "2013" / "DataFiles"
    site.mkdir(parents=True)
    pyreadstat.write_xport(pd.DataFrame({"SEQN": [1.0], "RIAGENDR": [1.0]}),
                           str(site / "DEMO_H.xpt"), table_name="DEMO_H")
    kw = dict(base_url=(tmp_path / "site").as_uri(), progress=False, retries=0,
              check_counts=False)
    with pytest.raises(ValueError, match="SHA-256"):
        fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path / "a", sha256={"DEMO_H.XPT": "0" * 64},
                     **kw)
    assert not (tmp_path / "a" / "DEMO_H.XPT").exists()
    with pytest.raises(ValueError, match=r"sha256: \['DEMO-H'\] name no NHANES file"):
        fetch_nhanes(["2013-2014"], ["DEMO"], tmp_path / "b", sha256={"DEMO-H": "0" * 64}, **kw)


def test_read_nhanes_docstring_states_the_real_shape():
    # Old docstring: "2013-2014 alone is 10,175 rows x 28 columns"; the frame has 31 (and
    # the Returns list omitted age_months, weight and height).
    import re

    from labstats.datasets.nhanes import COLUMNS, read_nhanes

    rows, cols = re.search(r"2013-2014 alone is ([\d,]+) rows x (\d+) columns",
                           read_nhanes.__doc__).groups()
    frame = load_nhanes("2013-2014")
    assert (int(rows.replace(",", "")), int(cols)) == frame.shape
    returns = read_nhanes.__doc__.split("Returns")[1].split("Raises")[0]
    listed = set(re.findall(r"``(\w+)``", returns))
    assert {c for c in COLUMNS if not c.endswith("_below_lod")} <= listed
