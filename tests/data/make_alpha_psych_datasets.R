# Reference values for satscore's cronbach_alpha on data NOT used by the other reference scripts
# (tests/psychometrics/test_alpha_psych_datasets.py).
# R 4.2.2, psych 2.2.9, jsonlite. Run from tests/data:  Rscript make_alpha_psych_datasets.R
# Writes alpha_psych_datasets_R.json (jsonlite::toJSON(digits = NA); non-finite numbers as null) with the
# data sets embedded (the tests read nothing else):
#   sat_act    psych::sat.act[, c("ACT", "SATV", "SATQ")], 700 rows, 13 NA in SATQ (pairwise and
#              listwise), scales of very different size, no frequency table (range > 10)
#   lsat6      psych::lsat6 (1000 x 5 binary items): alpha = KR-20, frequencies of 0/1
#   lsat7      psych::lsat7 (1000 x 5 binary items), with KR-20 computed from its definition
#   attitude   datasets::attitude (30 x 7 ratings) and its first 6 rows (small n)
#   sim_keys   simulated 5-point items (n = 300, seed 20261128), items r2 and r5 reverse-worded,
#              4% NA: psych::alpha(keys = c("r2", "r5")) and alpha(check.keys = TRUE)
# Calls: psych::alpha(x, warnings = FALSE) with the keys / check.keys noted per entry.
suppressMessages({library(psych); library(jsonlite)})
options(mc.cores = 1)
out <- list(versions = list(R = R.version.string, psych = as.character(packageVersion("psych"))))
fin <- function(x) { if (is.null(x)) return(NULL); x <- unclass(x); x[!is.finite(x)] <- NA; x }
alpha_ref <- function(a) {
  tot <- a$total
  list(
    raw_alpha = tot$raw_alpha, std_alpha = tot$std.alpha, G6 = tot[["G6(smc)"]],
    average_r = tot$average_r, sn = tot[["S/N"]], ase = tot$ase, mean = tot$mean, sd = tot$sd,
    median_r = tot$median_r,
    feldt = c(a$feldt$lower.ci[[1]], a$feldt$upper.ci[[1]]),
    drop = lapply(as.list(a$alpha.drop), function(v) fin(unname(v))),
    items = lapply(as.list(a$item.stats), function(v) fin(unname(v))),
    freq = if (is.null(a$response.freq)) NULL else unname(unclass(a$response.freq)),
    freq_cols = colnames(a$response.freq),
    keys = unname(unlist(a$keys))
  )
}
frame <- function(x) lapply(as.data.frame(x), function(v) v)  # columns (NA -> null)

sat <- psych::sat.act[, c("ACT", "SATV", "SATQ")]
out$data_sat_act <- frame(sat)
out$sat_act <- alpha_ref(alpha(sat, warnings = FALSE))
out$sat_act_listwise <- alpha_ref(alpha(na.omit(sat), warnings = FALSE))

for (nm in c("lsat6", "lsat7")) {
  X <- as.data.frame(get(nm, envir = asNamespace("psych")))
  out[[paste0("data_", nm)]] <- frame(X)
  r <- alpha_ref(alpha(X, warnings = FALSE))
  k <- ncol(X); p <- colMeans(X); tot <- rowSums(X)
  # KR-20 with the sample (n - 1) variance of the total, as alpha uses
  r$kr20 <- k / (k - 1) * (1 - sum(p * (1 - p)) * nrow(X) / (nrow(X) - 1) / var(tot))
  out[[nm]] <- r
}

att <- datasets::attitude
out$data_attitude <- frame(att)
out$attitude <- alpha_ref(alpha(att, warnings = FALSE))
out$attitude_small <- alpha_ref(alpha(head(att, 6), warnings = FALSE))

set.seed(20261128)
n <- 300
f <- rnorm(n)
lam <- c(.7, -.6, .65, .55, -.7, .5)
Z <- sapply(lam, function(l) l * f + sqrt(1 - l^2) * rnorm(n))
S <- as.data.frame(sapply(seq_along(lam), function(j) findInterval(Z[, j], c(-1.3, -.4, .4, 1.3)) + 1))
colnames(S) <- paste0("r", seq_along(lam))
S[as.matrix(expand.grid(1:n, 1:6))[sample(n * 6, round(.04 * n * 6)), ]] <- NA
out$data_sim_keys <- frame(S)
out$sim_keys <- alpha_ref(alpha(S, keys = c("r2", "r5"), warnings = FALSE))
out$sim_checkkeys <- alpha_ref(alpha(S, check.keys = TRUE, warnings = FALSE))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", null = "null"), "alpha_psych_datasets_R.json")
