# Reference values for satscore's scoring tests (tests/test_intervals*.py, test_scoring*.py,
# test_compare*.py). Run from the repository root:  Rscript tests/data/make_scoring.R
# Writes tests/data/scoring_R.json. R 4.2.2, stats (binom.test, prop.test, p.adjust),
# survey 4.1-1 (svyciprop method = "beta", svyby), jsonlite.
suppressMessages({library(jsonlite); library(survey)})

grid <- list()
for (n in c(1, 2, 5, 10, 30, 50, 100, 200, 1000)) {
  ks <- if (n <= 10) 0:n else unique(c(0, 1, n %/% 2, round(0.85 * n), round(0.95 * n), n - 1, n))
  for (k in ks) grid[[length(grid) + 1]] <- c(k, n)
}
exact <- list()
for (g in grid) for (lev in c(0.90, 0.95, 0.99)) {
  k <- g[1]; n <- g[2]
  two <- binom.test(k, n, conf.level = lev)$conf.int
  gr <- binom.test(k, n, conf.level = lev, alternative = "greater")$conf.int
  le <- binom.test(k, n, conf.level = lev, alternative = "less")$conf.int
  exact[[length(exact) + 1]] <- list(k = k, n = n, level = lev, low = two[1], high = two[2],
                                     lower_one_sided = gr[1], upper_one_sided = le[2])
}
# one-sided exact p-values against targets (binom.test alternative = "greater"/"less")
pvals <- list()
for (case in list(c(178, 200, 0.85), c(255, 300, 0.85), c(45, 50, 0.85), c(0, 30, 0.1),
                  c(30, 30, 0.9), c(90, 100, 0.8))) {
  k <- case[1]; n <- case[2]; p0 <- case[3]
  pvals[[length(pvals) + 1]] <- list(
    k = k, n = n, target = p0,
    p_greater = binom.test(k, n, p = p0, alternative = "greater")$p.value,
    p_less = binom.test(k, n, p = p0, alternative = "less")$p.value)
}
# Wilson score interval without continuity correction: prop.test(correct = FALSE)
wilson <- list()
for (g in grid) {
  k <- g[1]; n <- g[2]
  ci <- suppressWarnings(prop.test(k, n, correct = FALSE)$conf.int)
  wilson[[length(wilson) + 1]] <- list(k = k, n = n, level = 0.95, low = ci[1], high = ci[2])
}
# Multiplicity adjustment
p <- c(0.001, 0.01, 0.02, 0.03, 0.04, 0.2, 0.5, 0.04)
adjust <- list(p = p, holm = p.adjust(p, "holm"), bh = p.adjust(p, "BH"))
# Two-sample t (Welch) for mean differences
set.seed(1)
x <- c(4, 5, 3, 4, 4, 5, 2, 4, 5, 5, 3, 4); y <- c(3, 4, 2, 3, 5, 3, 2, 4, 3, 3, 4, 2, 1, 3)
tt <- t.test(y, x, var.equal = FALSE)
welch <- list(x = x, y = y, diff = unname(tt$estimate[1] - tt$estimate[2]), low = tt$conf.int[1],
              high = tt$conf.int[2], p = tt$p.value, df = unname(tt$parameter))
one <- t.test(x, conf.level = 0.95)
tone <- list(x = x, low = one$conf.int[1], high = one$conf.int[2])
# Korn-Graubard by domain in a stratified design (api data shipped with survey)
data(api)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
kg <- svyby(~I(sch.wide == "Yes"), ~stype, dstrat, svyciprop, vartype = c("ci", "se"),
            method = "beta")
mn <- svyby(~I(sch.wide == "Yes"), ~stype, dstrat, svymean)
kg_dom <- list(stype = as.character(kg$stype), estimate = unname(kg[, 2]),
               low = unname(kg$ci_l), high = unname(kg$ci_u),
               se = unname(mn[, "se.I(sch.wide == \"Yes\")TRUE"]),
               n = as.numeric(table(apistrat$stype)[as.character(kg$stype)]),
               df = unname(sapply(as.character(kg$stype), function(s) degf(subset(dstrat, stype == s)))))
kg_all <- svyciprop(~I(sch.wide == "Yes"), dstrat, method = "beta")
kg_total <- list(estimate = as.numeric(kg_all), low = as.numeric(confint(kg_all)[1]),
                 high = as.numeric(confint(kg_all)[2]), se = as.numeric(sqrt(attr(kg_all, "var"))),
                 n = nrow(apistrat), df = degf(dstrat))
# Design-based domain means of a 1-5 code (api00 cut at fixed points) with t intervals on the
# domain degrees of freedom, as svyby(..., svymean) + confint(df = degf(subset))
apistrat$code5 <- as.numeric(cut(apistrat$api00, c(-Inf, 550, 650, 750, 850, Inf)))
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
mm <- svyby(~code5, ~stype, dstrat, svymean)
dfs <- sapply(as.character(mm$stype), function(s) degf(subset(dstrat, stype == s)))
tq <- qt(0.975, dfs)
mean_dom <- list(stype = as.character(mm$stype), estimate = unname(mm$code5), se = unname(mm$se),
                 low = unname(mm$code5 - tq * mm$se), high = unname(mm$code5 + tq * mm$se),
                 df = unname(dfs))
# Design Wilson interval as in R survey >= 4.5 svyciprop(method = "wilson") (not available in
# the installed 4.1-1): n_eff = p(1-p)/v (no df adjustment), t quantile on degf(design);
# formula transcribed from survey 4.5 R/svyciprop.R, evaluated on svymean's p and SE here.
wilson45 <- function(p, v, df, level = 0.95) {
  neff <- p * (1 - p) / v; tq <- qt(1 - (1 - level) / 2, df)
  c((p + tq^2 / (2 * neff) - tq / (2 * neff) * sqrt(4 * neff * p * (1 - p) + tq^2)) / (1 + tq^2 / neff),
    (p + tq^2 / (2 * neff) + tq / (2 * neff) * sqrt(4 * neff * p * (1 - p) + tq^2)) / (1 + tq^2 / neff))
}
wt <- wilson45(kg_total$estimate, kg_total$se^2, kg_total$df)
wilson_design <- list(low = wt[1], high = wt[2])
out <- list(
  provenance = paste("R", getRversion(), "; survey", packageVersion("survey"),
                     "; binom.test / prop.test(correct = FALSE) / p.adjust / t.test"),
  exact = exact, exact_p = pvals, wilson = wilson, adjust = adjust, welch = welch,
  t_one = tone, kg_domains = kg_dom, kg_total = kg_total,
  wilson_design = wilson_design, mean_domains = mean_dom)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "tests/data/scoring_R.json")
