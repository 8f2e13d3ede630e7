# Reference values for the CFA of the built-in bank_service instrument on the example data, with
# the reverse-keyed item SQ09 reversed (tests/sem/test_cfa_keys.py, tests/test_reliability_report*.py).
#
# Input: cfa_bank.csv, written by make_cfa_bank_data.py (the listwise-complete respondents of
# satscore.load_example("bank_survey") on the 19 scored items of the three dimensions; raw codes).
# SQ09 ("I had to contact the bank more than once ...", agree5 scale 1..5) is reverse-keyed in
# the instrument, so it is reversed here as (1 + 5) - SQ09 before fitting.
#
# R 4.2.2, lavaan 0.6-14, semTools 0.5-6, jsonlite. Run from this folder:
#     Rscript make_cfa_bank.R      # writes cfa_bank_R.json
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

bank_raw <- read.csv("cfa_bank.csv", stringsAsFactors = FALSE)
bank <- bank_raw
bank$SQ09 <- (1 + 5) - bank$SQ09

FM <- c("npar", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
        "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "srmr_bentler_nomean", "logl",
        "unrestricted.logl", "aic", "bic", "ntotal")
pe <- function(fit) {
  p <- parameterEstimates(fit, standardized = TRUE, ci = FALSE)
  keep <- intersect(c("lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue",
                      "std.lv", "std.all"), names(p))
  as.list(p[, keep])
}
fm <- function(fit) as.list(fitMeasures(fit, FM))
validity <- function(fit, model, data) {
  list(
    comprel_obs = as.list(compRelSEM(fit)),
    ave_obs = as.list(AVE(fit)),
    cov_lv = unclass(lavInspect(fit, "cor.lv")),
    htmt = unclass(htmt(model, data, htmt2 = FALSE)),
    htmt2 = unclass(htmt(model, data)),
    factors = colnames(lavInspect(fit, "cor.lv"))
  )
}

m_bank <- "service_quality =~ SQ01 + SQ02 + SQ03 + SQ04 + SQ05 + SQ06 + SQ07 + SQ08 + SQ09
staff_attitude =~ SA01 + SA02 + SA03 + SA04 + SA05
problem_resolution =~ PR02 + PR03 + PR04 + PR05 + PR06"

out <- list(provenance = list(
  R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
  semTools = as.character(packageVersion("semTools")),
  script = "tests/data/make_cfa_bank.R", data = "cfa_bank.csv (make_cfa_bank_data.py)",
  reversed = "SQ09 <- 6 - SQ09"))

f <- cfa(m_bank, data = bank)
out$bank <- list(call = "cfa(m_bank, data = bank)  # SQ09 reversed", model = m_bank,
                 fit = fm(f), pe = pe(f), validity = validity(f, m_bank, bank))
f <- cfa(m_bank, data = bank, std.lv = TRUE)
out$bank_stdlv <- list(call = "cfa(m_bank, data = bank, std.lv = TRUE)  # SQ09 reversed",
                       fit = fm(f), pe = pe(f))
f <- cfa(m_bank, data = bank_raw)
out$bank_unreversed <- list(call = "cfa(m_bank, data = bank_raw)  # SQ09 as coded",
                            fit = fm(f), pe = pe(f), validity = validity(f, m_bank, bank_raw))
f1 <- cfa(m_bank, data = bank, group = "channel")
f2 <- cfa(m_bank, data = bank, group = "channel", group.equal = "loadings")
f3 <- cfa(m_bank, data = bank, group = "channel", group.equal = c("loadings", "intercepts"))
t <- lavTestLRT(f1, f2, f3)
out$bank_channel <- list(
  call = "cfa(m_bank, data = bank, group = 'channel', group.equal = ...)  # SQ09 reversed",
  groups = lavInspect(f1, "group.label"),
  configural = list(fit = fm(f1), pe = pe(f1)), metric = list(fit = fm(f2)),
  scalar = list(fit = fm(f3), pe = pe(f3)),
  lrt = list(chisq = t[["Chisq"]], df = t[["Df"]], chisq_diff = t[["Chisq diff"]],
             df_diff = t[["Df diff"]], p = t[["Pr(>Chisq)"]]))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "cfa_bank_R.json")
cat("wrote cfa_bank_R.json\n")
