# Reference values for the issue-5 audit tests (tests/stats/test_intervals_reference.py):
# every proportion_ci method and side on a k = 0..n grid, two-proportion comparisons and
# p-value adjustment, the BCa/percentile bootstrap (R boot) and the NCHS presentation rules.
# Run from the repository root:  Rscript tests/data/make_scoring_audit.R
# Writes tests/data/scoring_audit_R.json. R 4.2.2 with stats, boot 1.3-28, Hmisc, jsonlite.
#
# Provenance of each block:
# * exact: binom.test(k, n, conf.level, alternative = "two.sided"/"greater"/"less")$conf.int.
# * wilson: prop.test(k, n, correct = FALSE, alternative = ...)$conf.int (score interval; the
#   one-sided versions use qnorm(conf.level)); Hmisc::binconf(method = "wilson") cross-check
#   (binconf replaces the bound at x = 1 / x = n - 1 by Brown, Cai & DasGupta's Poisson bound
#   -log(1 - alpha)/n; plain Wilson, as prop.test and statsmodels, does not).
# * wald: Hmisc::binconf(method = "asymptotic") (two-sided, not clipped), clipped here to [0, 1]
#   as statsmodels does; one-sided from the same formula with qnorm(conf.level).
# * jeffreys: equal-tailed Beta(k + 1/2, n - k + 1/2) quantiles (Brown, Cai & DasGupta 2001,
#   eq. 4.1) WITHOUT their boundary modification, the convention of statsmodels.
# * agresti_coull: Agresti & Coull (1998) "add z^2/2 successes and failures" interval with
#   z = qnorm(1 - tail), as PropCIs::addz2ci, clipped to [0, 1].
# * two_prop: prop.test(c(k1, k2), c(n1, n2), correct = FALSE)$p.value (= pooled z test) and
#   Newcombe (1998) method 10 from the prop.test(correct = FALSE) Wilson limits of each group.
# * adjust: p.adjust(p, "holm") / p.adjust(p, "BH") with ties and NA.
# * boot: boot(data, statistic, R = 1999) with set.seed(20261128); boot.ci(type = c("perc",
#   "bca"), L = L) with the jackknife influence values of Efron & Tibshirani (1993, eq. 14.15),
#   L_i = (n - 1) * (mean(t_(.)) - t_(i)), which satscore and scipy use. (boot's own
#   empinf(type = "jack") centres on t0 instead of the jackknife mean; the two agree for a
#   plain mean and differ by ~1e-4 relative for a ratio mean; stored as accel_boot_jack.)
#   z0 and the BCa-adjusted tail levels are recomputed as in boot:::bca.ci.
# * kg_cluster: svyby(~I(sch.wide == "Yes"), ~stype, apiclus1 design, svyciprop,
#   method = "beta") (Korn-Graubard by domain in a cluster sample; survey 4.1-1), at level
#   0.95 and at level 0.90 (whose limits are the one-sided 95% bounds of the verdicts).
# * nchs: the NCHS Data Presentation Standards for Proportions (Parker et al. 2017) as coded in
#   CDC's surveytable (R/z_lpe.R .lpe_percents and R/svyciprop_adjusted.R), transcribed below
#   (surveytable is not installed here) and evaluated on apistrat domains and synthetic rows.
suppressMessages({library(jsonlite); library(boot); library(Hmisc); library(survey)})

grid <- list()
for (n in c(1, 2, 3, 5, 10, 17, 30, 50, 100, 1000)) {
  ks <- if (n <= 30) 0:n else unique(c(0, 1, 2, n %/% 2, floor(0.85 * n), n - 1, n))
  for (k in ks) grid[[length(grid) + 1]] <- c(k, n)
}
clip <- function(v) pmin(pmax(v, 0), 1)
methods <- list(
  clopper_pearson = function(k, n, tail, side) {
    alt <- switch(side, two = "two.sided", lower = "greater", upper = "less")
    lev <- if (side == "two") 1 - 2 * tail else 1 - tail
    binom.test(k, n, conf.level = lev, alternative = alt)$conf.int[1:2]
  },
  wilson = function(k, n, tail, side) {
    alt <- switch(side, two = "two.sided", lower = "greater", upper = "less")
    lev <- if (side == "two") 1 - 2 * tail else 1 - tail
    suppressWarnings(prop.test(k, n, conf.level = lev, alternative = alt,
                               correct = FALSE)$conf.int[1:2])
  },
  jeffreys = function(k, n, tail, side) {
    ci <- c(qbeta(tail, k + 0.5, n - k + 0.5), qbeta(1 - tail, k + 0.5, n - k + 0.5))
    if (side == "lower") ci[2] <- 1
    if (side == "upper") ci[1] <- 0
    ci
  },
  agresti_coull = function(k, n, tail, side) {
    z <- qnorm(1 - tail); nt <- n + z^2; pt <- (k + z^2 / 2) / nt
    ci <- clip(pt + c(-1, 1) * z * sqrt(pt * (1 - pt) / nt))
    if (side == "lower") ci[2] <- 1
    if (side == "upper") ci[1] <- 0
    ci
  },
  wald = function(k, n, tail, side) {
    z <- qnorm(1 - tail); p <- k / n
    ci <- clip(p + c(-1, 1) * z * sqrt(p * (1 - p) / n))
    if (side == "lower") ci[2] <- 1
    if (side == "upper") ci[1] <- 0
    ci
  })
intervals <- list()
for (m in names(methods)) for (g in grid) for (lev in c(0.80, 0.90, 0.95, 0.99))
  for (side in c("two", "lower", "upper")) {
    tail <- if (side == "two") (1 - lev) / 2 else 1 - lev
    ci <- methods[[m]](g[1], g[2], tail, side)
    intervals[[length(intervals) + 1]] <- list(method = m, k = g[1], n = g[2], level = lev,
                                               side = side, low = ci[1], high = ci[2])
  }
# Hmisc::binconf cross-check (two-sided 95%): wilson, exact, asymptotic (= wald, not clipped)
hmisc <- list()
for (g in grid) {
  b <- Hmisc::binconf(g[1], g[2], alpha = 0.05, method = "all")
  hmisc[[length(hmisc) + 1]] <- list(k = g[1], n = g[2],
    wilson = unname(b["Wilson", c("Lower", "Upper")]),
    exact = unname(b["Exact", c("Lower", "Upper")]),
    asymptotic = unname(b["Asymptotic", c("Lower", "Upper")]))
}

# ---------------------------------------------------------------- two proportions
two <- list()
for (case in list(c(170, 200, 184, 200), c(0, 30, 3, 30), c(30, 30, 25, 30), c(0, 12, 12, 12),
                  c(1, 10, 9, 10), c(450, 500, 430, 480), c(7, 40, 7, 40), c(95, 100, 100, 100))) {
  k1 <- case[1]; n1 <- case[2]; k2 <- case[3]; n2 <- case[4]
  w1 <- suppressWarnings(prop.test(k1, n1, correct = FALSE)$conf.int)
  w2 <- suppressWarnings(prop.test(k2, n2, correct = FALSE)$conf.int)
  p1 <- k1 / n1; p2 <- k2 / n2; d <- p2 - p1
  pv <- suppressWarnings(prop.test(c(k1, k2), c(n1, n2), correct = FALSE)$p.value)
  two[[length(two) + 1]] <- list(k1 = k1, n1 = n1, k2 = k2, n2 = n2,
    p_value = if (is.na(pv)) NULL else pv,
    low = d - sqrt((p2 - w2[1])^2 + (w1[2] - p1)^2),
    high = d + sqrt((w2[2] - p2)^2 + (p1 - w1[1])^2))
}
p <- c(0.04, 0.001, NA, 0.04, 0.3, 0.012, 0.012, 0.9, 0.0449, NA, 0.05)
adjust <- list(p = ifelse(is.na(p), "NA", p), holm = p.adjust(p, "holm"), bh = p.adjust(p, "BH"))

# ---------------------------------------------------------------- bootstrap (boot package)
set.seed(20261128)
n <- 60
z <- round(rgamma(n, 3, 1), 3)                        # continuous: no replicate ties t0
w <- round(runif(n, 0.4, 2.5), 4)
dat <- data.frame(z = z, w = w)
boot_case <- function(stat) {
  b <- boot(dat, stat, R = 1999)
  tj <- sapply(seq_len(n), function(i) stat(dat[-i, ], seq_len(n - 1)))
  L <- (n - 1) * (mean(tj) - tj)
  Lb <- empinf(b, type = "jack")
  ci <- boot.ci(b, conf = c(0.90, 0.95), type = c("perc", "bca"), L = L)
  z0 <- qnorm(sum(b$t < b$t0) / length(b$t))
  a <- sum(L^3) / (6 * sum(L^2)^1.5)
  adj <- function(zalpha) pnorm(z0 + (z0 + zalpha) / (1 - a * (z0 + zalpha)))
  list(t0 = b$t0, t = as.vector(b$t), z0 = z0, accel = a,
       accel_boot_jack = sum(Lb^3) / (6 * sum(Lb^2)^1.5),
       bca_levels_95 = adj(qnorm(c(0.025, 0.975))), bca_levels_90 = adj(qnorm(c(0.05, 0.95))),
       perc_95 = ci$percent[2, 4:5], perc_90 = ci$percent[1, 4:5],
       bca_95 = ci$bca[2, 4:5], bca_90 = ci$bca[1, 4:5])
}
boots <- list(
  mean = boot_case(function(d, i) mean(d$z[i])),
  weighted_mean = boot_case(function(d, i) sum(d$w[i] * d$z[i]) / sum(d$w[i])))

# ---------------------------------------------------------------- NCHS presentation standard
kg_adjusted <- function(p, v, rows, df, level = 0.95) {  # svyciprop_adjusted, method "beta"
  alpha <- 1 - level
  neff <- p * (1 - p) / v
  ratio <- if (df > 0) (qt(alpha / 2, rows - 1) / qt(alpha / 2, df))^2 else 0
  neff <- if (p > 0) min(rows, neff * ratio) else rows
  c(qbeta(alpha / 2, neff * p, neff * (1 - p) + 1), qbeta(1 - alpha / 2, neff * p + 1, neff * (1 - p)))
}
lpe <- function(p, se, n_num, n_den, ll, ul, degf) {     # .lpe_percents for one row
  neff <- p * (1 - p) / se^2; width <- ul - ll
  if (n_num == 0 || n_num == n_den) { neff <- n_den; width <- 0 }
  neff <- min(neff, n_den)
  if (neff < 30) display <- FALSE
  else if (width <= 0.05) display <- TRUE
  else if (width >= 0.30) display <- FALSE
  else if (width / p > 1.30) display <- FALSE
  else display <- TRUE
  flags <- c()
  if (!display) flags <- c(flags, "Px")
  if (display && neff >= 30 && width > 0.05 && width < 0.30 && !(width / p > 1.30) &&
      width / (1 - p) > 1.30) flags <- c(flags, "Pc")
  if (display && degf < 8) flags <- c(flags, "Pdf")
  if (display && (n_num == 0 || n_num == n_den)) flags <- c(flags, "P0")
  list(n_eff = neff, width = width, flags = if (length(flags)) paste(flags, collapse = ";") else "")
}
data(api)
nchs <- list()
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
for (des in list(list(name = "apistrat", d = dstrat), list(name = "apiclus1", d = dclus)))
  for (var in c("sch.wide", "awards", "yr.rnd")) for (s in c("E", "H", "M")) {
    sub <- subset(des$d, stype == s)
    y <- as.numeric(sub$variables[[var]] == "Yes")
    m <- svymean(~I(as.numeric(get(var) == "Yes")), sub)
    p <- as.numeric(coef(m)); se <- as.numeric(sqrt(vcov(m)))
    rows <- nrow(sub); df <- degf(sub)
    ci <- kg_adjusted(p, se^2, rows, df)
    r <- lpe(p, se, sum(y), length(y), ci[1], ci[2], df)
    nchs[[length(nchs) + 1]] <- list(design = des$name, variable = var, stype = s, p = p,
      se = se, n_num = sum(y), n = length(y), rows = rows, df = df, low = ci[1], high = ci[2],
      n_eff = r$n_eff, width = r$width, flags = r$flags)
  }
# synthetic SRS rows (se = sqrt(p(1-p)/n), df = n - 1) hitting every branch of the rule
for (case in list(c(12, 25), c(90, 100), c(97, 100), c(60, 60), c(0, 45), c(15, 40),
                  c(3, 40), c(38, 40), c(500, 1000), c(5, 31), c(28, 31), c(950, 1000))) {
  k <- case[1]; n <- case[2]; p <- k / n; se <- sqrt(p * (1 - p) / n)
  ci <- if (k == 0 || k == n) c(NA, NA) else binom.test(k, n)$conf.int[1:2]
  r <- lpe(p, se, k, n, ci[1], ci[2], n - 1)
  nchs[[length(nchs) + 1]] <- list(design = "srs", variable = "x", stype = "", p = p, se = se,
    n_num = k, n = n, rows = n, df = n - 1, low = ci[1], high = ci[2], n_eff = r$n_eff,
    width = r$width, flags = r$flags)
}
# synthetic design rows: few degrees of freedom (review), and a row where capping the
# effective size at n AFTER the df adjustment (surveytable) and before it give different flags
design_rows <- list(c(0.5, 0.02, 350, 700, 700, 5))
for (n in 50:4000) {
  p <- 0.965; se <- sqrt(p * (1 - p) / (3 * n)); df <- 20
  after <- kg_adjusted(p, se^2, n, df)
  ratio <- (qt(0.025, n - 1) / qt(0.025, df))^2; ne <- min(n, p * (1 - p) / se^2) * ratio
  before <- c(qbeta(0.025, ne * p, ne * (1 - p) + 1), qbeta(0.975, ne * p + 1, ne * (1 - p)))
  if (diff(after) <= 0.05 && diff(before) > 0.05) {
    design_rows[[2]] <- c(p, se, round(p * n), n, n, df); break
  }
}
for (r in design_rows) {
  ci <- kg_adjusted(r[1], r[2]^2, r[5], r[6])
  x <- lpe(r[1], r[2], r[3], r[4], ci[1], ci[2], r[6])
  nchs[[length(nchs) + 1]] <- list(design = "synthetic", variable = "x", stype = "", p = r[1],
    se = r[2], n_num = r[3], n = r[4], rows = r[5], df = r[6], low = ci[1], high = ci[2],
    n_eff = x$n_eff, width = x$width, flags = x$flags)
}

# ---------------------------------------------------------------- KG by domain, cluster design
# svyby(svyciprop, method = "beta") on the one-stage cluster sample apiclus1 (domains cut
# across clusters: domain df = degf of the subset design)
kg <- svyby(~I(sch.wide == "Yes"), ~stype, dclus, svyciprop, vartype = c("ci", "se"),
            method = "beta")
kg90 <- svyby(~I(sch.wide == "Yes"), ~stype, dclus, svyciprop, vartype = "ci",
              method = "beta", level = 0.90)  # one-sided 95% bounds (verdicts at 95%)
kg_cluster <- list(stype = as.character(kg$stype), estimate = unname(kg[, 2]),
                   low = unname(kg$ci_l), high = unname(kg$ci_u), se = unname(kg$se),
                   low_90 = unname(kg90$ci_l), high_90 = unname(kg90$ci_u),
                   df = unname(sapply(as.character(kg$stype),
                                      function(s) degf(subset(dclus, stype == s)))))

out <- list(
  provenance = paste0("R ", getRversion(), "; boot ", packageVersion("boot"), "; Hmisc ",
                      packageVersion("Hmisc"), "; survey ", packageVersion("survey"),
                      "; tests/data/make_scoring_audit.R"),
  intervals = intervals, hmisc = hmisc, two_prop = two, adjust = adjust, boot_data = dat,
  boot = boots, nchs = nchs, kg_cluster = kg_cluster)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE, na = "null"),
           "tests/data/scoring_audit_R.json")
