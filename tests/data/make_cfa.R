# Reference values for satscore's CFA, validity and invariance (tests/test_cfa*.py,
# tests/test_validity*.py, tests/test_invariance*.py).
#
# R 4.2.2, lavaan 0.6-14, semTools 0.5-6, jsonlite. Run from this folder:
#     Rscript make_cfa.R        # writes cfa_R.json
# All fits use lavaan's defaults (estimator = "ML", marker parametrisation unless std.lv = TRUE,
# information = "expected", likelihood = "normal", sample.cov.rescale, missing = "listwise").
suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

hs <- read.csv("holzinger1939.csv", stringsAsFactors = FALSE)
bfi <- read.csv("bfi.csv", stringsAsFactors = FALSE)
if ("X" %in% names(bfi)) bfi$X <- NULL

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
  r <- residuals(fit, type = "cor")   # "cor.bollen": observed minus model-implied correlations
  list(names = rownames(r$cov), cov = unclass(r$cov))
}
validity <- function(fit, model, data) {
  list(
    comprel_obs = as.list(compRelSEM(fit)),                    # default obs.var = TRUE
    comprel_implied = as.list(compRelSEM(fit, obs.var = FALSE)),
    ave_obs = as.list(AVE(fit)),                               # default obs.var = TRUE
    ave_implied = as.list(AVE(fit, obs.var = FALSE)),
    cov_lv = unclass(lavInspect(fit, "cor.lv")),
    htmt = unclass(htmt(model, data, htmt2 = FALSE)),          # Henseler et al. (2015)
    htmt2 = unclass(htmt(model, data)),                        # semTools default (geometric)
    factors = colnames(lavInspect(fit, "cor.lv"))
  )
}
lrt <- function(...) {
  t <- lavTestLRT(...)
  list(chisq = t[["Chisq"]], df = t[["Df"]], chisq_diff = t[["Chisq diff"]],
       df_diff = t[["Df diff"]], p = t[["Pr(>Chisq)"]])
}

out <- list(provenance = list(
  R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
  semTools = as.character(packageVersion("semTools")),
  script = "tests/data/make_cfa.R"))

# --- A. Holzinger-Swineford three-factor model -------------------------------------------------
m_hs <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
f <- cfa(m_hs, data = hs)
out$hs3 <- list(call = "cfa(m_hs, data = hs)", model = m_hs, fit = fm(f), pe = pe(f), mi = mi(f),
                rescor = rescor(f), validity = validity(f, m_hs, hs),
                implied = unclass(fitted(f)$cov), iterations = lavInspect(f, "iterations"))
f <- cfa(m_hs, data = hs, std.lv = TRUE)
out$hs3_stdlv <- list(call = "cfa(m_hs, data = hs, std.lv = TRUE)", fit = fm(f), pe = pe(f),
                      mi = mi(f))

# --- B. cross-loading + correlated residual; fixed values; labels -----------------------------
m_x <- "visual =~ x1 + x2 + x3 + x9
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
x2 ~~ x3"
f <- cfa(m_x, data = hs)
out$hs_cross <- list(call = "cfa(m_x, data = hs)", model = m_x, fit = fm(f), pe = pe(f),
                     mi = mi(f), rescor = rescor(f))
m_r <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
x7 ~~ x8"
f <- cfa(m_r, data = hs)
out$hs_resid <- list(call = "cfa(m_r, data = hs)", model = m_r, fit = fm(f), pe = pe(f),
                     mi = mi(f), rescor = rescor(f), validity = validity(f, m_r, hs))
m_o <- "visual =~ 1*x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
visual ~~ 0*speed"
f <- cfa(m_o, data = hs)
out$hs_orth <- list(call = "cfa(m_o, data = hs)", model = m_o, fit = fm(f), pe = pe(f), mi = mi(f))
m_l <- "visual =~ x1 + x2 + x3
textual =~ x4 + b*x5 + b*x6
speed =~ x7 + 0.5*x8 + x9"
f <- cfa(m_l, data = hs)
out$hs_labels <- list(call = "cfa(m_l, data = hs)", model = m_l, fit = fm(f), pe = pe(f))

# --- C. bfi: two factors (A1-A5, C1-C5), listwise; and five factors on 25 items ---------------
m_ac <- "agree =~ A1 + A2 + A3 + A4 + A5
consc =~ C1 + C2 + C3 + C4 + C5"
f <- cfa(m_ac, data = bfi)
out$bfi_ac <- list(call = "cfa(m_ac, data = bfi)", model = m_ac, fit = fm(f), pe = pe(f),
                   mi = mi(f), rescor = rescor(f),
                   validity = validity(f, m_ac, bfi[complete.cases(bfi[, c(paste0("A", 1:5), paste0("C", 1:5))]), ]))
m_5 <- paste0(c("A", "C", "E", "N", "O"), " =~ ",
              sapply(c("A", "C", "E", "N", "O"), function(k) paste0(k, 1:5, collapse = " + ")),
              collapse = "\n")
f <- cfa(m_5, data = bfi)
out$bfi_5 <- list(call = "cfa(m_5, data = bfi)", model = m_5, fit = fm(f), pe = pe(f),
                  validity = validity(f, m_5, bfi[complete.cases(bfi[, 1:25]), ]))

# --- D. multi-group fits and invariance ---------------------------------------------------------
inv <- function(model, data, group) {
  f1 <- cfa(model, data = data, group = group)
  f2 <- cfa(model, data = data, group = group, group.equal = "loadings")
  f3 <- cfa(model, data = data, group = group, group.equal = c("loadings", "intercepts"))
  list(groups = lavInspect(f1, "group.label"),
       configural = list(fit = fm(f1), pe = pe(f1)),
       metric = list(fit = fm(f2), pe = pe(f2), mi = mi(f2)),
       scalar = list(fit = fm(f3), pe = pe(f3)),
       lrt = lrt(f1, f2, f3))
}
out$hs_school <- c(list(call = "cfa(m_hs, data = hs, group = 'school', group.equal = ...)"),
                   inv(m_hs, hs, "school"))
bfi_g <- bfi
bfi_g$gender <- ifelse(bfi_g$gender == 1, "male", "female")
out$bfi_gender <- c(list(call = "cfa(m_ac, data = bfi_g, group = 'gender', group.equal = ...)"),
                    inv(m_ac, bfi_g, "gender"))
f <- cfa(m_hs, data = hs, group = "school", group.equal = "loadings", std.lv = TRUE)
out$hs_school_metric_stdlv <- list(
  call = "cfa(m_hs, data = hs, group = 'school', group.equal = 'loadings', std.lv = TRUE)",
  fit = fm(f), pe = pe(f))

f <- cfa(m_hs, data = hs, group = "school", group.equal = c("loadings", "intercepts"),
         group.partial = c("visual=~x2", "x3~1", "x7~1"))
out$hs_school_partial <- list(
  call = "cfa(m_hs, hs, group = 'school', group.equal = c('loadings', 'intercepts'), group.partial = c('visual=~x2', 'x3~1', 'x7~1'))",
  fit = fm(f), pe = pe(f))
f <- cfa(m_hs, data = hs, group = "school", group.equal = c("loadings", "intercepts"), std.lv = TRUE)
out$hs_school_scalar_stdlv <- list(
  call = "cfa(m_hs, hs, group = 'school', group.equal = c('loadings', 'intercepts'), std.lv = TRUE)",
  fit = fm(f), pe = pe(f))
f <- cfa(m_hs, data = hs, group = "school",
         group.equal = c("loadings", "intercepts", "residuals", "lv.variances", "lv.covariances"))
out$hs_school_equal_lv <- list(
  call = "cfa(m_hs, hs, group = 'school', group.equal = c('loadings', 'intercepts', 'residuals', 'lv.variances', 'lv.covariances'))",
  fit = fm(f), pe = pe(f))

m_c <- "visual =~ x1 + c(v2, v2)*x2 + x3
textual =~ x4 + b*x5 + x6
speed =~ x7 + c(s8a, s8b)*x8 + c(0.5, NA)*x9"
f <- cfa(m_c, data = hs, group = "school")
out$hs_school_clabels <- list(call = "cfa(m_c, data = hs, group = 'school')", model = m_c,
                              fit = fm(f), pe = pe(f))

# --- F. full-information ML (missing = "ml"): MCAR holes in HS (mask stored), bfi's own NAs ----
set.seed(42)
mask <- matrix(runif(301 * 9) < 0.08, 301, 9)   # TRUE = set to NA; column-major in the JSON
hs_na <- hs
hs_na[, paste0("x", 1:9)][mask] <- NA
f <- cfa(m_hs, data = hs_na, missing = "ml")
out$hs3_fiml <- list(call = "cfa(m_hs, data = hs_na, missing = 'ml')", mask = as.integer(mask),
                     fit = fm(f), pe = pe(f), mi = mi(f), rescor = rescor(f),
                     comprel_obs = as.list(compRelSEM(f)), ave_obs = as.list(AVE(f)))
f <- cfa(m_hs, data = hs_na, missing = "ml", group = "school", group.equal = "loadings")
out$hs_school_fiml_metric <- list(
  call = "cfa(m_hs, data = hs_na, missing = 'ml', group = 'school', group.equal = 'loadings')",
  fit = fm(f), pe = pe(f))
f <- cfa(m_ac, data = bfi, missing = "ml")
out$bfi_ac_fiml <- list(call = "cfa(m_ac, data = bfi, missing = 'ml')", fit = fm(f), pe = pe(f))

# --- E. random models fitted from sample covariance matrices (generality check) -----------------
# Each case: m factors, 3-6 items each, items on very different scales, optional cross-loadings,
# residual covariances, orthogonal pairs and std.lv; lavaan fits from sample.cov (unbiased,
# rescaled to divisor N by lavaan's default sample.cov.rescale = TRUE).
random_case <- function(seed) {
  set.seed(seed)
  m <- sample(2:5, 1)
  k <- sample(3:6, m, replace = TRUE)
  p <- sum(k)
  fac <- rep(seq_len(m), k)
  items <- paste0("v", seq_len(p))
  L <- matrix(0, p, m)
  L[cbind(seq_len(p), fac)] <- runif(p, 0.4, 0.9) * sample(c(1, 1, 1, -1), p, replace = TRUE)
  L[cbind(seq_len(p), fac)][1] <- abs(L[1, 1])
  Phi <- matrix(runif(1, 0.2, 0.5), m, m); diag(Phi) <- 1
  Sigma <- L %*% Phi %*% t(L); diag(Sigma) <- 1
  n <- sample(c(250, 500, 1500), 1)
  X <- MASS::mvrnorm(n, rep(0, p), Sigma)
  X <- sweep(X, 2, exp(runif(p, log(0.3), log(30))), "*")
  colnames(X) <- items
  lines <- sapply(seq_len(m), function(f) paste0("F", f, " =~ ", paste(items[fac == f], collapse = " + ")))
  extra <- character(0)
  if (seed %% 2 == 0) {                      # a cross-loading
    j <- which(fac == 2)[2]
    lines[1] <- paste0(lines[1], " + ", items[j])
  }
  if (seed %% 3 == 0) extra <- c(extra, paste(items[1], "~~", items[p]))   # residual covariance
  if (seed %% 4 == 0 && m >= 3) extra <- c(extra, "F1 ~~ 0*F3")           # orthogonal pair
  model <- paste(c(lines, extra), collapse = "\n")
  std.lv <- seed %% 5 == 0
  S <- cov(X)
  fit <- cfa(model, sample.cov = S, sample.nobs = n, std.lv = std.lv)
  list(seed = seed, model = model, n = n, std_lv = std.lv, names = items, cov = unclass(S),
       converged = lavInspect(fit, "converged"), fit = fm(fit), pe = pe(fit), mi = mi(fit))
}
out$random <- lapply(1:8, random_case)

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"), "cfa_R.json")
cat("wrote cfa_R.json\n")
