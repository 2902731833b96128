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
