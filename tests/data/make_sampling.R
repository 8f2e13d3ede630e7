# Reference values for satscore's design-based estimators (tests/test_design*.py).
# R 4.2.2, survey 4.1-1, jsonlite. Run in tests/data:  Rscript make_sampling.R
# Writes sampling_R.json. Data: survey::data(api) (apistrat.csv, apiclus1.csv here are exports of it).
suppressMessages({library(survey); library(jsonlite)})
data(api)
out <- list(meta = list(R = R.version.string, survey = as.character(packageVersion("survey"))))
num <- function(x) as.numeric(unname(x))

stats_for <- function(d, by = NULL) {
  r <- list(df = degf(d), nrow = nrow(d))
  m <- svymean(~api00, d, deff = TRUE)
  mr <- svymean(~api00, d, deff = "replace")
  r$mean_api00 <- list(est = num(coef(m)), se = num(SE(m)), deff = num(deff(m)),
                       deff_replace = num(deff(mr)),
                       ci_t = num(confint(m, df = degf(d))))
  t <- svytotal(~enroll, d, deff = TRUE)
  tr <- svytotal(~enroll, d, deff = "replace")
  r$total_enroll <- list(est = num(coef(t)), se = num(SE(t)), deff = num(deff(t)),
                         deff_replace = num(deff(tr)), ci_t = num(confint(t, df = degf(d))))
  mna <- svymean(~acs.k3, d, na.rm = TRUE, deff = TRUE)
  r$mean_acsk3_narm <- list(est = num(coef(mna)), se = num(SE(mna)), deff = num(deff(mna)))
  p <- svymean(~I(as.numeric(sch.wide == "Yes")), d, deff = TRUE)
  r$prop_schwide <- list(est = num(coef(p)), se = num(SE(p)), deff = num(deff(p)))
  for (meth in c("logit", "likelihood", "asin", "beta", "mean", "xlogit")) {
    ci <- svyciprop(~I(sch.wide == "Yes"), d, method = meth)
    r[[paste0("ciprop_", meth)]] <- list(p = num(ci), ci = num(confint(ci)))
    ci90 <- svyciprop(~I(sch.wide == "Yes"), d, method = meth, level = 0.9)
    r[[paste0("ciprop90_", meth)]] <- list(p = num(ci90), ci = num(confint(ci90)))
  }
  ell <- svyciprop(~I(ell == 0), d, method = "beta")
  r$ciprop_ell0_beta <- list(p = num(ell), ci = num(confint(ell)))
  return(r)
}

by_for <- function(d, byvar) {
  f <- as.formula(paste0("~", byvar))
  r <- list()
  b <- svyby(~api00, f, d, svymean, deff = TRUE)
  r$mean_api00 <- list(key = as.character(b[[1]]), est = num(coef(b)), se = num(SE(b)),
                       deff = num(deff(b)))
  bt <- svyby(~enroll, f, d, svytotal)
  r$total_enroll <- list(key = as.character(bt[[1]]), est = num(coef(bt)), se = num(SE(bt)))
  for (meth in c("beta", "logit", "mean", "asin")) {
    bp <- svyby(~I(sch.wide == "Yes"), f, d, svyciprop, vartype = c("se", "ci"), method = meth)
    r[[paste0("ciprop_", meth)]] <- list(key = as.character(bp[[1]]), est = num(bp[[2]]),
                                         se = num(SE(bp)), ci_l = num(bp$ci_l), ci_u = num(bp$ci_u))
  }
  r
}

designs <- list(
  dstrat = svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc),
  dstrat_nofpc = svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat),
  dstrat_fpconly = svydesign(id = ~1, strata = ~stype, data = apistrat, fpc = ~fpc),
  dstrat_clus = svydesign(id = ~dnum, strata = ~stype, weights = ~pw, data = apistrat, nest = TRUE),
  dclus1 = svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc),
  dclus1_nofpc = svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
)
for (nm in names(designs)) out[[nm]] <- stats_for(designs[[nm]])
out$by_stype <- lapply(designs, by_for, byvar = "stype")
out$by_cname_dclus1 <- by_for(designs$dclus1, "cname")
out$by_cname_dstrat <- by_for(designs$dstrat, "cname")
b2 <- svyby(~api00, ~stype + awards, designs$dclus1, svymean)
out$by_stype_awards_dclus1 <- list(stype = as.character(b2$stype), awards = as.character(b2$awards),
                                   est = num(coef(b2)), se = num(SE(b2)))

# Lonely PSUs: apiclus1 stratified by county (several counties hold one district)
for (rule in c("adjust", "average", "remove", "certainty")) {
  options(survey.lonely.psu = rule)
  dl <- svydesign(id = ~dnum, strata = ~cname, weights = ~pw, data = apiclus1)
  m <- svymean(~api00, dl)
  t <- svytotal(~enroll, dl)
  b <- svyby(~api00, ~stype, dl, svymean)
  out[[paste0("lonely_", rule)]] <- list(df = degf(dl), mean_api00 = list(est = num(coef(m)), se = num(SE(m))),
                                          total_enroll = list(est = num(coef(t)), se = num(SE(t))),
                                          by_stype = list(key = as.character(b$stype), est = num(coef(b)), se = num(SE(b))))
}
options(survey.lonely.psu = "fail")

# Calibration (examples of ?postStratify and ?rake)
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
dclus1 <- designs$dclus1
dps <- postStratify(dclus1, ~stype, pop.types)
drk <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
pop.awards <- as.data.frame(xtabs(~awards, apipop)); names(pop.awards) <- c("awards", "Freq")
dps2 <- postStratify(designs$dstrat, ~awards, pop.awards)
pop.stype.awards <- as.data.frame(xtabs(~stype + awards, apipop))
dps3 <- postStratify(dclus1, ~stype + awards, pop.stype.awards)
drk2 <- rake(designs$dstrat_nofpc, list(~awards, ~sch.wide), list(pop.awards, pop.schwide))
cal <- list(dclus1_ps_stype = dps, dclus1_rake = drk, dstrat_ps_awards = dps2,
            dclus1_ps_stype_awards = dps3, dstrat_nofpc_rake = drk2)
for (nm in names(cal)) {
  d <- cal[[nm]]
  r <- stats_for(d)
  r$weights <- num(weights(d))
  r$by_stype <- by_for(d, "stype")
  out[[nm]] <- r
}
out$pop <- list(types = pop.types, schwide = pop.schwide, awards = pop.awards,
                stype_awards = pop.stype.awards)

# svycontrast: year-over-year style difference of two domain means with covariance
bb <- svyby(~api00, ~awards, dclus1, svymean, covmat = TRUE)
ct <- svycontrast(bb, c(-1, 1))
out$contrast_awards_dclus1 <- list(est = num(coef(ct)), se = num(SE(ct)))


# Overlapping waves (year-over-year): stack two samples, customer as cluster (research note §6.2)
set.seed(20260704)
N <- 3000
pop <- data.frame(customer_id = sprintf("C%05d", 1:N), stratum = sample(c("a", "b"), N, TRUE))
pop$latent <- rnorm(N)
ia <- sample(N, 400); shared <- sample(ia, 150); ib <- c(shared, sample(setdiff(1:N, ia), 250))
mk <- function(idx, wave, shift) {
  d <- pop[idx, ]
  d$wave <- wave
  d$sat <- as.numeric(d$latent + rnorm(nrow(d), 0, 0.8) + shift > -1)
  d$score <- round(3.5 + d$latent + rnorm(nrow(d), 0, 0.5) + shift, 1)
  d$w <- ifelse(d$stratum == "a", 7, 8) + (wave == "b")
  d
}
waves <- rbind(mk(ia, "a", 0), mk(ib, "b", 0.3))
write.csv(waves[, c("customer_id", "stratum", "wave", "sat", "score", "w")], "sampling_waves.csv",
          row.names = FALSE)
dw <- svydesign(ids = ~customer_id, weights = ~w, data = waves)
res <- list()
for (v in c("sat", "score")) {
  bw <- svyby(as.formula(paste0("~", v)), ~wave, dw, svymean, covmat = TRUE)
  cw <- svycontrast(bw, c(-1, 1))
  res[[v]] <- list(est = num(coef(cw)), se = num(SE(cw)), df = degf(dw), means = num(coef(bw)))
}
out$waves_overlap <- res

# Unweighted SRS without FPC: Korn-Graubard with n_eff = n - 1
srs <- svydesign(id = ~1, data = data.frame(y = c(rep(1, 85), rep(0, 15))))
out$srs_85_100_beta <- num(confint(svyciprop(~y, srs, method = "beta")))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "sampling_R.json")
