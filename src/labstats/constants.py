"""Every equation constant labstats uses: value, unit and source.

Association constants are in L/mol, molar masses in g/mol. Where a value was taken
from a secondary source (the primary paper not read), the comment says so; see
``../shared/science/FORMULAS.md`` for the evidence behind each tag.
"""

from __future__ import annotations

# --- Vermeulen 1999 -------------------------------------------------------------------
# Vermeulen A, Verdonck L, Kaufman JM. J Clin Endocrinol Metab 84(10):3666-3672, 1999,
# doi:10.1210/jcem.84.10.6079. Values as printed on the ISSAM explanation page by the
# same group (issam.ch/freetesuit.html) and quoted from the paper's text.

#: T-SHBG association constant [L/mol]; Vermeulen 1999 ("K = 10^9 M^-1", ISSAM page).
K_SHBG_T_VERMEULEN_1999 = 1.0e9
#: T-albumin association constant [L/mol]; Vermeulen 1999 ("3.6 x 10^4 L/mol").
K_ALB_T_VERMEULEN_1999 = 3.6e4
#: Albumin molar mass [g/mol] of Vermeulen 1999 / ISSAM ("43 g/l / 69000 (molecular weight
#: alb.)"; the paper's "43 g/L (6.2 x 10^-4 mol/L)" implies 69,000-69,400). Emadi-Konjin
#: 2003 uses it too (secondary sources); for Södergård 1982 and Ross 2005 the papers' own
#: values are not known and this one is assumed (free_testosterone, Notes).
ALBUMIN_MOLAR_MASS_VERMEULEN_1999 = 69_000.0
#: Albumin assumed when none was measured [g/L]; Vermeulen 1999: "for routine purposes FT
#: could be calculated assuming an albumin concentration of 43 g/L".
DEFAULT_ALBUMIN_G_L = 43.0

# --- Södergård 1982 -------------------------------------------------------------------
# Södergård R, Bäckström T, Shanbhag V, Carstensen H. J Steroid Biochem 16(6):801-810,
# 1982, doi:10.1016/0022-4731(82)90038-3 (PMID 7202083). Constants at 37 °C, identical in
# three independent implementations citing the paper (primary text not read here).

#: T-SHBG association constant at 37 °C [L/mol]; Södergård 1982.
K_SHBG_T_SODERGARD_1982 = 5.97e8
#: T-albumin association constant at 37 °C [L/mol]; Södergård 1982.
K_ALB_T_SODERGARD_1982 = 4.06e4
#: E2-SHBG association constant at 37 °C [L/mol]; Södergård 1982.
K_SHBG_E2_SODERGARD_1982 = 3.14e8
#: E2-albumin association constant at 37 °C [L/mol]; Södergård 1982.
K_ALB_E2_SODERGARD_1982 = 4.21e4

# --- Emadi-Konjin 2003 ----------------------------------------------------------------
# Emadi-Konjin P, Bain J, Bromberg IL. Clin Biochem 36(8):591-596, 2003,
# doi:10.1016/S0009-9120(03)00076-6 (PMID 14636872); values from two secondary sources.

#: T-SHBG association constant [L/mol]; Emadi-Konjin 2003.
K_SHBG_T_EMADI_KONJIN_2003 = 1.4e9
#: T-albumin association constant [L/mol]; Emadi-Konjin 2003.
K_ALB_T_EMADI_KONJIN_2003 = 1.3e4

# --- Ross 2005 ------------------------------------------------------------------------
# Ross HA, Meuleman EJ, Sweep FCGJ. Clin Chem Lab Med 43(6):613-616, 2005,
# doi:10.1515/CCLM.2005.106. Constants of the Vermeulen model fitted to symmetric
# dialysis in 30 elderly men (values from the abstract).

#: T-SHBG association constant [L/mol]; Ross 2005 (abstract).
K_SHBG_T_ROSS_2005 = 1.13e9
#: T-albumin association constant [L/mol]; Ross 2005 (abstract).
K_ALB_T_ROSS_2005 = 4.4e4

# --- Free androgen index --------------------------------------------------------------
#: FAI = FAI_SCALE x TT / SHBG, both in nmol/L; Wilke TJ, Utley DJ. Clin Chem
#: 33(8):1372-1375, 1987.
FAI_SCALE = 100.0

# --- Matthews 1985: HOMA1 ---------------------------------------------------------------
# Matthews DR, Hosker JP, Rudenski AS, Naylor BA, Treacher DF, Turner RC. Diabetologia
# 28(7):412-419, 1985, doi:10.1007/BF00280883. The constants normalise a young adult with
# fasting insulin 5 µU/mL and glucose 4.5 mmol/L to IR = 1 and %B = 100 %.

#: HOMA1-IR denominator [mmol/L x µU/mL] (= 5 x 4.5); Matthews 1985.
HOMA_IR_DENOMINATOR = 22.5
#: HOMA1-%B numerator [% x mmol/L per µU/mL]; Matthews 1985: %B = 20 x FPI / (FPG - 3.5).
HOMA_B_SCALE = 20.0
#: HOMA1-%B glucose offset [mmol/L]; Matthews 1985. %B is undefined at FPG <= 3.5 mmol/L.
HOMA_B_GLUCOSE_OFFSET = 3.5

# --- Simental-Mendía 2008: TyG index; Er 2016: TyG-BMI ----------------------------------
# Simental-Mendía LE, Rodríguez-Morán M, Guerrero-Romero F. Metab Syndr Relat Disord
# 6(4):299-304, 2008, doi:10.1089/met.2008.0034: TyG = ln(TG [mg/dL] x FPG [mg/dL] / 2).

#: Divisor inside the TyG logarithm [dimensionless]; Simental-Mendía 2008.
TYG_DIVISOR = 2.0

# --- Friedewald 1972 ------------------------------------------------------------------
# Friedewald WT, Levy RI, Fredrickson DS. Clin Chem 18(6):499-502, 1972,
# doi:10.1093/clinchem/18.6.499: LDL-C = TC - HDL-C - TG/5, all in mg/dL.

#: VLDL-C = TG / 5 [mg/dL per mg/dL]; Friedewald 1972.
FRIEDEWALD_TG_DIVISOR_MG_DL = 5.0
#: Conventional divisor of the mmol/L form, VLDL-C = TG / 2.2 [mmol/L per mmol/L]. The exact
#: conversion of TG/5 with 88.57 mg/dL (TG) and 38.665 mg/dL (cholesterol, 386.65 g/mol) per
#: mmol/L is 5 x 38.665 / 88.57 = 2.183; 2.2 is the rounded divisor many laboratories print
#: (some use 2.19 or 2.18).
FRIEDEWALD_TG_DIVISOR_MMOL_L_CONVENTIONAL = 2.2
#: Upper TG limit of Friedewald [mg/dL], inclusive: Friedewald 1972 advises against the
#: equation above 400 mg/dL. NCHS computes NHANES LBDLDL at exactly 400 and leaves it
#: missing above; labstats does the same (400 computed, above 400 NaN).
FRIEDEWALD_TG_LIMIT_MG_DL = 400.0

# --- Sampson 2020 (NIH equation 2) -----------------------------------------------------
# Sampson M, Ling C, Sun Q, et al. JAMA Cardiol 5(5):540-548, 2020,
# doi:10.1001/jamacardio.2020.0013. Eq. 2, all in mg/dL:
# LDL-C = TC/0.948 - HDL-C/0.971 - (TG/8.56 + TG x NonHDL-C/2140 - TG^2/16100) - 9.44.
# Identical in three independent implementations (FORMULAS.md section 6).

#: TC divisor [dimensionless]; Sampson 2020 Eq. 2.
SAMPSON_TC_DIVISOR = 0.948
#: HDL-C divisor [dimensionless]; Sampson 2020 Eq. 2.
SAMPSON_HDL_DIVISOR = 0.971
#: TG divisor [dimensionless]; Sampson 2020 Eq. 2.
SAMPSON_TG_DIVISOR = 8.56
#: TG x non-HDL-C divisor [mg/dL]; Sampson 2020 Eq. 2.
SAMPSON_TG_NONHDL_DIVISOR = 2140.0
#: TG^2 divisor [mg/dL]; Sampson 2020 Eq. 2.
SAMPSON_TG2_DIVISOR = 16100.0
#: Intercept [mg/dL]; Sampson 2020 Eq. 2.
SAMPSON_INTERCEPT_MG_DL = 9.44
#: Sampson 2020 validated the equation up to TG 800 mg/dL [mg/dL].
SAMPSON_TG_LIMIT_MG_DL = 800.0

# --- Martin 2013 / Sajja 2021 ----------------------------------------------------------
# Martin SS, Blaha MJ, Elshazly MB, et al. JAMA 310(19):2061-2068, 2013,
# doi:10.1001/jama.2013.280532 (180-cell factor table, TG 7-13975 mg/dL); Sajja A, Park J,
# Sathiyakumar V, et al. JAMA Netw Open 4(10):e2128817, 2021,
# doi:10.1001/jamanetworkopen.2021.28817 (eTable 1A: 240 cells for TG 400-799 mg/dL).
# The tables themselves are in labstats/formulas/_martin_hopkins.py.

#: Lowest TG of the 180-cell table [mg/dL]; Martin 2013.
MARTIN_TG_MIN_MG_DL = 7.0
#: Exclusive upper TG edge of the 180-cell table [mg/dL]: its last row, 400-13975, read as
#: the half-open integer stratum [400, 13976); Martin 2013.
MARTIN_TG_UPPER_MG_DL = 13976.0
#: Upper TG limit of the extended table (exclusive) [mg/dL]; Sajja 2021.
MARTIN_EXTENDED_TG_LIMIT_MG_DL = 800.0

# --- CKD-EPI: Inker 2012 (cystatin C) and Inker 2021 (race-free) ---------------------
# Inker LA, Schmid CH, Tighiouart H, et al. N Engl J Med 367(1):20-29, 2012,
# doi:10.1056/NEJMoa1114248; Inker LA, Eneanya ND, Coresh J, et al. N Engl J Med
# 385(19):1737-1749, 2021, doi:10.1056/NEJMoa2102953. Creatinine in mg/dL (IDMS), cystatin
# C in mg/L (standardised), age in years; result in mL/min/1.73 m². Coefficients agree in
# cran/nephro 1.5, Modibo/biosigma and pacharanero/clincalc (FORMULAS.md section 5).

#: CKD-EPI 2021 creatinine: multiplier [mL/min/1.73 m²]; Inker 2021.
CKD_EPI_2021_CR_SCALE = 142.0
#: CKD-EPI 2021 creatinine: kappa (female, male) [mg/dL]; Inker 2021.
CKD_EPI_2021_CR_KAPPA = (0.7, 0.9)
#: CKD-EPI 2021 creatinine: alpha (female, male), exponent of min(Scr/kappa, 1); Inker 2021.
CKD_EPI_2021_CR_ALPHA = (-0.241, -0.302)
#: CKD-EPI 2021 creatinine: exponent of max(Scr/kappa, 1); Inker 2021.
CKD_EPI_2021_CR_BETA = -1.200
#: CKD-EPI 2021 creatinine: age base [per year]; Inker 2021.
CKD_EPI_2021_CR_AGE = 0.9938
#: CKD-EPI 2021 creatinine: female factor; Inker 2021.
CKD_EPI_2021_CR_FEMALE = 1.012

#: CKD-EPI 2012 cystatin C: multiplier [mL/min/1.73 m²]; Inker 2012.
CKD_EPI_2012_CYS_SCALE = 133.0
#: CKD-EPI 2012 cystatin C: knot [mg/L]; Inker 2012 (also used by the 2021 cr-cys equation).
CKD_EPI_CYS_KNOT = 0.8
#: CKD-EPI 2012 cystatin C: exponents of min(Scys/0.8, 1) and max(Scys/0.8, 1); Inker 2012.
CKD_EPI_2012_CYS_EXPONENTS = (-0.499, -1.328)
#: CKD-EPI 2012 cystatin C: age base [per year]; Inker 2012.
CKD_EPI_2012_CYS_AGE = 0.996
#: CKD-EPI 2012 cystatin C: female factor; Inker 2012.
CKD_EPI_2012_CYS_FEMALE = 0.932

#: CKD-EPI 2021 creatinine-cystatin C: multiplier [mL/min/1.73 m²]; Inker 2021.
CKD_EPI_2021_CRCYS_SCALE = 135.0
#: CKD-EPI 2021 cr-cys: alpha (female, male), exponent of min(Scr/kappa, 1); Inker 2021.
CKD_EPI_2021_CRCYS_ALPHA = (-0.219, -0.144)
#: CKD-EPI 2021 cr-cys: exponent of max(Scr/kappa, 1); Inker 2021.
CKD_EPI_2021_CRCYS_CR_BETA = -0.544
#: CKD-EPI 2021 cr-cys: exponents of min(Scys/0.8, 1) and max(Scys/0.8, 1); Inker 2021.
CKD_EPI_2021_CRCYS_CYS_EXPONENTS = (-0.323, -0.778)
#: CKD-EPI 2021 cr-cys: age base [per year]; Inker 2021.
CKD_EPI_2021_CRCYS_AGE = 0.9961
#: CKD-EPI 2021 cr-cys: female factor; Inker 2021.
CKD_EPI_2021_CRCYS_FEMALE = 0.963
#: CKD-EPI equations were developed in adults [years]; Inker 2012, 2021.
CKD_EPI_MIN_AGE = 18.0

# --- Alberti 2009: harmonised metabolic syndrome ---------------------------------------
# Alberti KGMM, Eckel RH, Grundy SM, et al. Circulation 120(16):1640-1645, 2009,
# doi:10.1161/CIRCULATIONAHA.109.192644, Table 1 (any 3 of 5 criteria). Table 1 prints each
# lipid and glucose cut point in mg/dL with a mmol/L value in brackets; the two are not exact
# conversions (1.7 mmol/L is 150.6 mg/dL, 1.0 is 38.7, 5.6 is 100.9), so both sets are kept
# and ``metabolic_syndrome(cut_points=...)`` chooses between them.

#: Elevated triglycerides: TG >= 150 mg/dL (1.7 mmol/L); Alberti 2009 Table 1.
METS_TRIGLYCERIDES_MG_DL = 150.0
#: Reduced HDL-C: < 40 mg/dL (1.0 mmol/L) in men, < 50 mg/dL (1.3 mmol/L) in women
#: (female, male) [mg/dL]; Alberti 2009 Table 1.
METS_HDL_MG_DL = (50.0, 40.0)
#: Elevated blood pressure: systolic >= 130 and/or diastolic >= 85 [mmHg]; Alberti 2009.
METS_SYSTOLIC_MMHG = 130.0
METS_DIASTOLIC_MMHG = 85.0
#: Elevated fasting glucose: >= 100 mg/dL (5.6 mmol/L); Alberti 2009 Table 1.
METS_GLUCOSE_MG_DL = 100.0
#: The same cut points as printed in mmol/L in Alberti 2009 Table 1: TG >= 1.7; HDL-C < 1.3
#: (women) / < 1.0 (men); fasting glucose >= 5.6 [mmol/L].
METS_TRIGLYCERIDES_MMOL_L = 1.7
METS_HDL_MMOL_L = (1.3, 1.0)
METS_GLUCOSE_MMOL_L = 5.6
#: Number of the 5 criteria that make the diagnosis; Alberti 2009.
METS_CRITERIA_FOR_DIAGNOSIS = 3
