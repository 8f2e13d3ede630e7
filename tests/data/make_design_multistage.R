# Reference values for satscore's SurveyDesign on designs not used while it was written
# (tests/survey/test_design_multistage_R.py): SRS with FPC, weights-only designs, two-stage cluster
# sampling with FPCs at both stages, the with-replacement (ultimate cluster) approximation,
# domain estimates with every svyciprop method, post-stratification and raking on apistrat
# and apiclus1/apiclus2, lonely-PSU rules on a new stratification, certainty strata.
# R 4.2.2, survey 4.1-1, jsonlite. Run in tests/data:  Rscript make_design_multistage.R
# Writes apisrs.csv, apiclus2.csv (exports of survey::data(api)) and design_multistage_R.json.
suppressMessages({library(survey); library(jsonlite)})
data(api)
keep <- c("snum", "dnum", "cname", "stype", "sch.wide", "awards", "both", "api00", "api99",
          "enroll", "ell", "meals", "acs.k3", "pw")
write.csv(apisrs[, c(keep, "fpc")], "apisrs.csv", row.names = FALSE)
write.csv(apiclus2[, c(keep, "fpc1", "fpc2")], "apiclus2.csv", row.names = FALSE)

out <- list(meta = list(R = R.version.string, survey = as.character(packageVersion("survey")),
                        script = "make_design_multistage.R"))
num <- function(x) as.numeric(unname(x))
methods <- c("logit", "likelihood", "asin", "beta", "mean", "xlogit")

# svyciprop(method = "likelihood") reads its limits off a profile evaluated on a grid and
# interpolated by a spline; the exact limits solve the same profile equation
# (deviance(pi) - deviance(p))/dispersion = t^2_ddf * lambda, lambda = cov.unscaled/naive.cov
# of the svyglm intercept (confint.svyglm), here with uniroot.
lik_exact <- function(d, level = 0.95) {
  m <- suppressWarnings(svyglm(I(awards == "Yes") ~ 1, design = d, family = quasibinomial))
  p <- plogis(coef(m)[[1]])
  lambda <- diag(m$cov.unscaled)[[1]] / diag(m$naive.cov)[[1]]
  tq <- qt(1 - (1 - level) / 2, m$df.residual)
  w <- weights(m, "prior"); y <- m$y; phi <- summary(m)$dispersion; dev0 <- deviance(m)
  f <- function(pi) sum(w * -2 * (y * log(pi) + (1 - y) * log(1 - pi))) - dev0 - phi * tq^2 * lambda
  root <- function(lo, hi) tryCatch(uniroot(f, c(lo, hi), tol = 1e-15)$root,
                                    error = function(e) NA_real_)  # p = 0 or 1
  c(root(1e-12, p), root(p, 1 - 1e-12))
}

stats_for <- function(d) {
  r <- list(df = degf(d), nrow = nrow(d))
  m <- svymean(~api00, d, deff = TRUE)
  mr <- svymean(~api00, d, deff = "replace")
  r$mean_api00 <- list(est = num(coef(m)), se = num(SE(m)), deff = num(deff(m)),
                       deff_replace = num(deff(mr)), ci_t = num(confint(m, df = degf(d))),
                       ci_t90 = num(confint(m, df = degf(d), level = 0.9)))
  t <- svytotal(~enroll, d, deff = TRUE, na.rm = TRUE)
  tr <- svytotal(~enroll, d, deff = "replace", na.rm = TRUE)
  r$total_enroll <- list(est = num(coef(t)), se = num(SE(t)), deff = num(deff(t)),
                         deff_replace = num(deff(tr)), ci_t = num(confint(t, df = degf(d))))
  mna <- svymean(~acs.k3, d, na.rm = TRUE, deff = TRUE)
  r$mean_acsk3_narm <- list(est = num(coef(mna)), se = num(SE(mna)), deff = num(deff(mna)))
  tb <- svytotal(~I(as.numeric(both == "Yes")), d, deff = TRUE)
  r$total_both <- list(est = num(coef(tb)), se = num(SE(tb)), deff = num(deff(tb)))
  p <- svymean(~I(as.numeric(awards == "Yes")), d, deff = TRUE)
  r$prop_awards <- list(est = num(coef(p)), se = num(SE(p)), deff = num(deff(p)))
  for (meth in methods) {
    for (lev in c(0.95, 0.9)) {
      # the likelihood profile can fail (e.g. on calibrated designs); then left out
      ci <- tryCatch(svyciprop(~I(awards == "Yes"), d, method = meth, level = lev),
                     error = function(e) NULL)
      if (is.null(ci)) next
      key <- paste0(if (lev == 0.95) "ciprop_" else "ciprop90_", meth)
      r[[key]] <- list(p = num(ci), ci = num(confint(ci)))
    }
  }
  r$ciprop_likelihood_exact <- list(ci = lik_exact(d), ci90 = lik_exact(d, 0.9))
  r
}

by_for <- function(d, byvar) {
  f <- as.formula(paste0("~", byvar))
  r <- list()
  b <- svyby(~api00, f, d, svymean, deff = TRUE)
  r$mean_api00 <- list(key = as.character(b[[1]]), est = num(coef(b)), se = num(SE(b)),
                       deff = num(deff(b)))
  bt <- svyby(~enroll, f, d, svytotal, na.rm = TRUE, deff = TRUE)
  r$total_enroll <- list(key = as.character(bt[[1]]), est = num(coef(bt)), se = num(SE(bt)),
                         deff = num(deff(bt)))
  bp <- svyby(~I(as.numeric(awards == "Yes")), f, d, svymean, deff = TRUE)
  r$prop_awards <- list(key = as.character(bp[[1]]), est = num(coef(bp)), se = num(SE(bp)),
                        deff = num(deff(bp)))
  for (meth in methods) {
    # the likelihood profile can fail in small domains (MASS "profiling has found a
    # better solution"); such a method is then left out for that design
    bc <- tryCatch(svyby(~I(awards == "Yes"), f, d, svyciprop, vartype = c("se", "ci"),
                         method = meth), error = function(e) NULL)
    if (is.null(bc)) next
    r[[paste0("ciprop_", meth)]] <- list(key = as.character(bc[[1]]), est = num(bc[[2]]),
                                         se = num(SE(bc)), ci_l = num(bc$ci_l),
                                         ci_u = num(bc$ci_u))
  }
  levs <- sort(unique(as.character(d$variables[[byvar]])))
  ex <- sapply(levs, function(l) lik_exact(d[as.character(d$variables[[byvar]]) == l, ]))
  r$ciprop_likelihood_exact <- list(key = levs, ci_l = num(ex[1, ]), ci_u = num(ex[2, ]))
  r
}

designs <- list(
  dsrs_fpc = svydesign(id = ~1, fpc = ~fpc, data = apisrs),
  dsrs_w_fpc = svydesign(id = ~1, weights = ~pw, fpc = ~fpc, data = apisrs),
  dsrs_w = svydesign(id = ~1, weights = ~pw, data = apisrs),
  dstrat_w = svydesign(id = ~1, weights = ~pw, data = apistrat),
  dclus1_w = svydesign(id = ~dnum, weights = ~pw, data = apiclus1),
  dclus2 = svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2),
  dclus2_w = svydesign(id = ~dnum + snum, weights = ~pw, fpc = ~fpc1 + fpc2, data = apiclus2),
  dclus2_wr = svydesign(id = ~dnum, weights = ~pw, data = apiclus2),
  dclus2_ids_nofpc = svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2),
  dclus2_fpc1 = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc1, data = apiclus2),
  dstrat_clus_cname = svydesign(id = ~dnum, strata = ~stype, weights = ~pw, data = apistrat,
                                nest = TRUE)
)
for (nm in names(designs)) {
  out[[nm]] <- stats_for(designs[[nm]])
  out[[nm]]$by_stype <- by_for(designs[[nm]], "stype")
}
out$dclus2$by_both <- by_for(designs$dclus2, "both")
out$dclus2$weights <- num(weights(designs$dclus2))

# Two-stage design stratified by school type (nest = TRUE): stage-2 strata are the
# (stype, district) PSUs; several hold one sampled school that is not a certainty, so
# the lonely-PSU rule applies at stage 2 ("fail" stops; "average" gives NaN there).
for (rule in c("adjust", "remove", "certainty", "average")) {
  options(survey.lonely.psu = rule)
  d <- svydesign(id = ~dnum + snum, strata = ~stype, fpc = ~fpc1 + fpc2, data = apiclus2,
                 nest = TRUE)
  m <- svymean(~api00, d)
  b <- svyby(~api00, ~awards, d, svymean)
  out[[paste0("dclus2_stype_", rule)]] <- list(
    df = degf(d), mean_api00 = list(est = num(coef(m)), se = num(SE(m))),
    by_awards = list(key = as.character(b$awards), est = num(coef(b)), se = num(SE(b))))
}
options(survey.lonely.psu = "fail")
d <- svydesign(id = ~dnum + snum, strata = ~stype, fpc = ~fpc1 + fpc2, data = apiclus2, nest = TRUE)
out$dclus2_stype_fail_message <- tryCatch({svymean(~api00, d); "no error"},
                                          error = function(e) conditionMessage(e))

# Lonely PSUs on apistrat stratified by county, districts as PSUs
for (rule in c("adjust", "average", "remove", "certainty")) {
  options(survey.lonely.psu = rule)
  d <- svydesign(id = ~dnum, strata = ~cname, weights = ~pw, data = apistrat)
  m <- svymean(~api00, d)
  t <- svytotal(~enroll, d)
  b <- svyby(~api00, ~stype, d, svymean)
  p <- svyciprop(~I(awards == "Yes"), d, method = "beta")
  out[[paste0("lonely_cname_", rule)]] <- list(
    df = degf(d), mean_api00 = list(est = num(coef(m)), se = num(SE(m))),
    total_enroll = list(est = num(coef(t)), se = num(SE(t))),
    by_stype = list(key = as.character(b$stype), est = num(coef(b)), se = num(SE(b))),
    ciprop_beta = list(p = num(p), ci = num(confint(p))))
}
options(survey.lonely.psu = "fail")
# certainty strata: a county holding one sampled district gets fpc = 1 district (fully
# sampled, f = 0): R does not stop for such a stratum even with lonely.psu = "fail"
apistrat$fpc_cty <- ave(apistrat$dnum, apistrat$cname, FUN = function(v) {
  k <- length(unique(v)); if (k == 1) 1 else 2 * k })
d <- svydesign(id = ~dnum, strata = ~cname, weights = ~pw, fpc = ~fpc_cty, data = apistrat)
m <- svymean(~api00, d)
b <- svyby(~api00, ~stype, d, svymean)
out$certainty_cname <- list(df = degf(d), mean_api00 = list(est = num(coef(m)), se = num(SE(m))),
                            by_stype = list(key = as.character(b$stype), est = num(coef(b)),
                                            se = num(SE(b))))

# Calibration on apistrat, apiclus1, apiclus2, apisrs
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
pop.awards <- as.data.frame(xtabs(~awards, apipop)); names(pop.awards) <- c("awards", "Freq")
pop.both <- as.data.frame(xtabs(~both, apipop)); names(pop.both) <- c("both", "Freq")
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
cal <- list(
  dstrat_ps_schwide = postStratify(dstrat, ~sch.wide, pop.schwide),
  dstrat_rake_awards_schwide = rake(dstrat, list(~awards, ~sch.wide), list(pop.awards, pop.schwide)),
  dclus1_rake_awards_stype = rake(dclus1, list(~awards, ~stype), list(pop.awards, pop.types)),
  dclus1_ps_both = postStratify(dclus1, ~both, pop.both),
  dclus2_ps_stype = postStratify(designs$dclus2, ~stype, pop.types),
  dclus2_rake_stype_schwide = rake(designs$dclus2, list(~stype, ~sch.wide),
                                   list(pop.types, pop.schwide)),
  dsrs_ps_stype = postStratify(designs$dsrs_fpc, ~stype, pop.types)
)
for (nm in names(cal)) {
  d <- cal[[nm]]
  r <- stats_for(d)
  r$weights <- num(weights(d))
  r$by_stype <- by_for(d, "stype")
  out[[nm]] <- r
}
out$pop <- list(types = pop.types, schwide = pop.schwide, awards = pop.awards, both = pop.both)

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "design_multistage_R.json")
