# Reference values on models/data not used while developing satscore's CFA (tests/sem/test_cfa_lavaan_options.py):
# lavaan's PoliticalDemocracy measurement model (marker and std.lv, with and without residual
# covariances, a two-indicator factor, FIML with an MCAR mask) and measurement invariance of the
# Holzinger-Swineford three-factor model by sex (listwise, std.lv, strict level, FIML).
#
# R 4.2.2, lavaan 0.6-14, semTools 0.5-6, jsonlite. Run from this folder:
#     Rscript make_cfa_lavaan_options.R      # writes political_democracy.csv and cfa_lavaan_options_R.json
# lavaan defaults throughout (estimator = "ML", likelihood = "normal", information = "expected"
# for complete data / "observed" for missing = "ml", sample covariances with divisor N).
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

data(PoliticalDemocracy, package = "lavaan")
pdem <- PoliticalDemocracy[, c("x1", "x2", "x3", paste0("y", 1:8))]
write.csv(pdem, "political_democracy.csv", row.names = FALSE)
pdem <- read.csv("political_democracy.csv")      # exactly what the tests read
hs <- read.csv("holzinger1939.csv", stringsAsFactors = FALSE)

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
mi <- function(fit) {
  m <- modindices(fit)
  keep <- intersect(c("lhs", "op", "rhs", "group", "mi", "epc", "sepc.lv", "sepc.all"), names(m))
  as.list(m[, keep])
}
rescor <- function(fit) {
  r <- residuals(fit, type = "cor")
  list(names = rownames(r$cov), cov = unclass(r$cov))
}
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
lrt <- function(...) {
  t <- lavTestLRT(...)
  list(chisq = t[["Chisq"]], df = t[["Df"]], chisq_diff = t[["Chisq diff"]],
       df_diff = t[["Df diff"]], p = t[["Pr(>Chisq)"]])
}
single <- function(call, model, fit, data = NULL) {
  out <- list(call = call, model = model, fit = fm(fit), pe = pe(fit), mi = mi(fit),
              rescor = rescor(fit), converged = lavInspect(fit, "converged"))
  if (!is.null(data)) out$validity <- validity(fit, model, data)
  out
}

out <- list(provenance = list(
  R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
  semTools = as.character(packageVersion("semTools")),
  script = "tests/data/make_cfa_lavaan_options.R"))

# --- PoliticalDemocracy measurement model (Bollen 1989; lavaan's sem() example without the
#     structural part) ------------------------------------------------------------------------
m_pd <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8"
out$pd <- single("cfa(m_pd, data = pdem)", m_pd, cfa(m_pd, data = pdem), pdem)
out$pd_stdlv <- single("cfa(m_pd, data = pdem, std.lv = TRUE)", m_pd,
                       cfa(m_pd, data = pdem, std.lv = TRUE))
m_pdr <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"
out$pd_resid <- single("cfa(m_pdr, data = pdem)", m_pdr, cfa(m_pdr, data = pdem), pdem)
out$pd_resid_stdlv <- single("cfa(m_pdr, data = pdem, std.lv = TRUE)", m_pdr,
                             cfa(m_pdr, data = pdem, std.lv = TRUE))
m_pd2 <- "ind60 =~ x1 + x2
dem60 =~ y1 + y2 + y3 + y4"
out$pd_two <- single("cfa(m_pd2, data = pdem)", m_pd2, cfa(m_pd2, data = pdem))

set.seed(2024)
mask <- matrix(runif(75 * 11) < 0.10, 75, 11)     # TRUE = set to NA; column-major in the JSON
pd_na <- pdem
pd_na[mask] <- NA
out$pd_fiml <- c(single("cfa(m_pd, data = pd_na, missing = 'ml')", m_pd,
                        cfa(m_pd, data = pd_na, missing = "ml")), list(mask = as.integer(mask)))
out$pd_fiml_stdlv <- single("cfa(m_pdr, data = pd_na, missing = 'ml', std.lv = TRUE)", m_pdr,
                            cfa(m_pdr, data = pd_na, missing = "ml", std.lv = TRUE))
out$pd_listwise_na <- single("cfa(m_pd, data = pd_na)", m_pd, cfa(m_pd, data = pd_na))

# --- Holzinger-Swineford by sex (1 = first appearance, the reference group) ------------------
m_hs <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
inv <- function(model, data, group, ...) {
  f1 <- cfa(model, data = data, group = group, ...)
  f2 <- cfa(model, data = data, group = group, group.equal = "loadings", ...)
  f3 <- cfa(model, data = data, group = group, group.equal = c("loadings", "intercepts"), ...)
  f4 <- cfa(model, data = data, group = group,
            group.equal = c("loadings", "intercepts", "residuals"), ...)
  list(groups = lavInspect(f1, "group.label"),
       configural = list(fit = fm(f1), pe = pe(f1)),
       metric = list(fit = fm(f2), pe = pe(f2)),
       scalar = list(fit = fm(f3), pe = pe(f3)),
       strict = list(fit = fm(f4), pe = pe(f4)),
       lrt = lrt(f1, f2, f3, f4))
}
out$hs_sex <- c(list(call = "cfa(m_hs, data = hs, group = 'sex', group.equal = ...)"),
                inv(m_hs, hs, "sex"))
out$hs_sex_stdlv <- c(list(call = "cfa(m_hs, data = hs, group = 'sex', std.lv = TRUE, group.equal = ...)"),
                      inv(m_hs, hs, "sex", std.lv = TRUE))
set.seed(7)
hmask <- matrix(runif(301 * 9) < 0.06, 301, 9)
hs_na <- hs
hs_na[, paste0("x", 1:9)][hmask] <- NA
out$hs_sex_fiml <- c(list(call = "cfa(m_hs, data = hs_na, group = 'sex', missing = 'ml', group.equal = ...)",
                          mask = as.integer(hmask)),
                     inv(m_hs, hs_na, "sex", missing = "ml"))

# --- rows with a missing group value (lavaan warns and drops them) ---------------------------
hs_g <- hs
hs_g$sex[c(3, 10, 50)] <- NA
m_hs2 <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
out$hs_sex_na_group <- list(
  call = "cfa(m_hs2, data = hs_g, group = 'sex')  # sex NA in rows 3, 10, 50",
  model = m_hs2, na_rows = c(3, 10, 50),
  fit = fm(suppressWarnings(cfa(m_hs2, data = hs_g, group = "sex"))),
  fit_ml = fm(suppressWarnings(cfa(m_hs2, data = hs_g, group = "sex", missing = "ml"))))

# --- further lavaan features on HS / bfi: freed marker with a fixed variance, fixed residual
#     variance and factor covariance, group.equal without intercepts / with means, FIML + std.lv +
#     scalar, indicator order differing from the columns, five education groups (NA dropped) ------
extra <- function(model, fit, opts) list(model = model, opts = opts, fit = fm(fit), pe = pe(fit))
bfi <- read.csv("bfi.csv")
m_hs2f <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
out$more <- list()
m <- "visual =~ NA*x1 + x2 + x3\nvisual ~~ 1*visual\ntextual =~ x4 + x5 + x6"
out$more$free_marker <- extra(m, cfa(m, hs), list())
m <- "speed =~ x7 + x8 + x9\nx7 ~~ 0.5*x7\nvisual =~ x1 + x2 + x3"
out$more$fixed_resid <- extra(m, cfa(m, hs), list())
m <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual ~~ 0.3*textual"
out$more$fixed_cov <- extra(m, suppressWarnings(cfa(m, hs)), list())
out$more$eq_load_resid <- extra(m_hs, cfa(m_hs, hs, group = "school", group.equal = c("loadings", "residuals")),
                                list(group = "school", equal = c("loadings", "residuals")))
out$more$eq_means <- extra(m_hs, cfa(m_hs, hs, group = "school", group.equal = c("loadings", "intercepts", "means")),
                           list(group = "school", equal = c("loadings", "intercepts", "means")))
set.seed(3)
mk <- matrix(runif(301 * 9) < 0.05, 301, 9)
hn <- hs
hn[, paste0("x", 1:9)][mk] <- NA
out$more$fiml_stdlv_scalar <- c(
  extra(m_hs, cfa(m_hs, hn, group = "school", group.equal = c("loadings", "intercepts"), std.lv = TRUE,
                  missing = "ml"),
        list(group = "school", equal = c("loadings", "intercepts"), std_lv = TRUE, missing = "ml")),
  list(mask = as.integer(mk)))
m <- "N =~ N5 + N1 + N2 + N3 + N4\nO =~ O1 + O3 + O4"
out$more$order_bfi <- extra(m, cfa(m, bfi), list(data = "bfi"))
out$more$education_groups <- c(extra(m, suppressWarnings(cfa(m, bfi, group = "education")),
                                     list(data = "bfi", group = "education")),
                               list(groups = lavInspect(cfa(m, bfi, group = "education"), "group.label")))
m <- "A =~ A2 + A3 + A4 + A5 + A1"
out$more$bfi_fiml_1f <- extra(m, cfa(m, bfi, missing = "ml"), list(data = "bfi", missing = "ml"))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "cfa_lavaan_options_R.json")
cat("wrote cfa_lavaan_options_R.json\n")
