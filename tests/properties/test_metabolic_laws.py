"""Laws of the metabolic, lipid and kidney formulas (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labstats.formulas import bmi, egfr, homa_ir, ldl_cholesterol, quicki, tyg_index
from labstats.formulas._martin_hopkins import FACTORS_2013

MG = dict(total_cholesterol_unit="mg/dL", hdl_cholesterol_unit="mg/dL",
          triglycerides_unit="mg/dL", output_unit="mg/dL")
sexes = st.sampled_from(["female", "male"])
ages = st.floats(18.0, 100.0)
creatinine = st.floats(10.0, 1500.0)  # µmol/L
cystatin = st.floats(0.2, 8.0)  # mg/L
glucose = st.floats(2.0, 30.0)  # mmol/L
insulin = st.floats(1.0, 2000.0)  # pmol/L


@given(scr=creatinine, more=st.floats(0.5, 500.0), age=ages, sex=sexes)
def test_egfr_falls_as_creatinine_rises(scr, more, age, sex):
    assert egfr(creatinine=scr + more, age=age, sex=sex) < egfr(creatinine=scr, age=age,
                                                                   sex=sex)


@given(scr=creatinine, age=st.floats(18.0, 99.0), older=st.floats(0.5, 20.0), sex=sexes,
       method=st.sampled_from(["ckd_epi_2021", "ckd_epi_2021_creatinine_cystatin",
                               "ckd_epi_2012_cystatin"]), cys=cystatin)
def test_egfr_falls_with_age_for_every_equation(scr, age, older, sex, method, cys):
    kw = dict(creatinine=scr, cystatin_c=cys)
    if method == "ckd_epi_2021":
        kw.pop("cystatin_c")
    if method == "ckd_epi_2012_cystatin":
        kw.pop("creatinine")
    assert egfr(**kw, age=age + older, sex=sex, method=method) < egfr(**kw, age=age, sex=sex,
                                                                       method=method)


@given(scr=creatinine, age=ages, sex=sexes)
def test_egfr_is_continuous_at_the_creatinine_knot(scr, age, sex):
    # min/max with 1 at Scr = kappa: both branches meet (kappa 0.7 F / 0.9 M mg/dL).
    kappa_umol = (0.7 if sex == "female" else 0.9) * 1000 * 10 / 113.12
    lo = egfr(creatinine=kappa_umol * (1 - 1e-9), age=age, sex=sex)
    hi = egfr(creatinine=kappa_umol * (1 + 1e-9), age=age, sex=sex)
    assert lo == pytest.approx(hi, rel=1e-8)


lipids = dict(tc=st.floats(120.0, 300.0), hdl=st.floats(30.0, 90.0))


@pytest.mark.filterwarnings("ignore:.*with a negative LDL")  # (the law holds there too)
@given(tg=st.floats(7.0, 100.0), **lipids)
def test_ldl_methods_agree_at_low_triglycerides(tg, tc, hdl):
    """At TG <= 100 mg/dL (TC 120-300, HDL 30-90) Friedewald, Martin/Hopkins and Sampson
    agree within 12 mg/dL (they differ by up to 38 at TG 300-399 on the same ranges)."""
    got = [ldl_cholesterol(tc, hdl, tg, method=m, **MG)
           for m in ("friedewald", "martin_hopkins", "sampson")]
    assert max(got) - min(got) <= 12.0


@pytest.mark.filterwarnings("ignore:.*with a negative LDL")  # (the law holds there too)
@given(tg=st.floats(7.0, 399.0), **lipids)
def test_martin_minus_friedewald_is_bounded_by_the_table(tg, tc, hdl):
    # |TG/F - TG/5| <= TG x (1/min F - 1/5): the difference vanishes as TG falls.
    fw = ldl_cholesterol(tc, hdl, tg, **MG)
    mh = ldl_cholesterol(tc, hdl, tg, method="martin_hopkins", **MG)
    assert abs(mh - fw) <= tg * (1 / FACTORS_2013.min() - 1 / 5) + 1e-9


@pytest.mark.filterwarnings("ignore:.*with a negative LDL")  # (the law holds there too)
@given(tg=st.floats(7.0, 399.0), **lipids)
def test_extended_equals_2013_below_400(tg, tc, hdl):
    assert ldl_cholesterol(tc, hdl, tg, method="martin_hopkins_extended", **MG) == \
        ldl_cholesterol(tc, hdl, tg, method="martin_hopkins", **MG)


@given(g=glucose, i=insulin, k=st.floats(0.01, 5.0))
def test_homa_ir_scales_linearly_with_insulin(g, i, k):
    assert homa_ir(g, i * k) == pytest.approx(k * homa_ir(g, i), rel=1e-12)


@given(g=glucose, i=insulin, more=st.floats(1.0, 500.0))
def test_quicki_falls_as_insulin_rises(g, i, more):
    assert quicki(g, i + more) < quicki(g, i)


@given(tg=st.floats(0.1, 5.0), g=glucose, k=st.floats(1.01, 10.0))
def test_tyg_adds_log_of_the_factor(tg, g, k):
    assert tyg_index(tg * k, g) == pytest.approx(tyg_index(tg, g) + np.log(k), rel=1e-12)


@given(w=st.floats(2.0, 300.0), h=st.floats(60.0, 250.0), k=st.floats(0.5, 1.1))
def test_bmi_scales_with_weight_and_inverse_square_of_height(w, h, k):
    assert bmi(weight=w * k, height=h) == pytest.approx(k * bmi(weight=w, height=h), rel=1e-12)
    assert bmi(weight=w, height=h * k) == pytest.approx(bmi(weight=w, height=h) / k**2,
                                                       rel=1e-12)


@settings(max_examples=30)
@given(values=st.lists(st.floats(30.0, 1000.0), min_size=1, max_size=50), sex=sexes)
def test_egfr_vector_equals_scalar_loop(values, sex):
    vec = egfr(creatinine=values, age=50.0, sex=sex)
    loop = [egfr(creatinine=v, age=50.0, sex=sex) for v in values]
    np.testing.assert_allclose(vec, loop, rtol=1e-15)
