# Reference values for satscore's alpha / split-half / guttman / polychoric / KMO / Bartlett /
# correlation helpers (tests/test_reliability_alpha*.py, test_polychoric*.py, test_adequacy*.py,
# test_correlation*.py).
# R 4.2.2, psych 2.2.9, jsonlite. Run in tests/data:  Rscript make_reliability_a.R
# Writes reliability_a_R.json (jsonlite::toJSON(digits = NA)).
suppressMessages({library(psych); library(jsonlite)})
options(mc.cores = 1)
bfi <- read.csv("bfi.csv")
hs <- read.csv("holzinger1939.csv")
out <- list(versions = list(R = R.version.string, psych = as.character(packageVersion("psych"))))

alpha_ref <- function(a) {
  tot <- a$total
  list(
    raw_alpha = tot$raw_alpha, std_alpha = tot$std.alpha, G6 = tot[["G6(smc)"]],
    average_r = tot$average_r, sn = tot[["S/N"]], ase = if (is.null(tot$ase)) NA else tot$ase,
    mean = if (is.null(tot$mean)) NA else tot$mean, sd = if (is.null(tot$sd)) NA else tot$sd,
    median_r = tot$median_r,
    feldt = c(a$feldt$lower.ci[[1]], a$feldt$upper.ci[[1]]),
    drop = lapply(as.list(a$alpha.drop), unname),
    items = lapply(as.list(a$item.stats), unname),
    freq = if (is.null(a$response.freq)) NULL else unname(unclass(a$response.freq)),
    freq_cols = colnames(a$response.freq),
    keys = unname(unlist(a$keys))
  )
}
keys <- list(A = "A1", C = c("C4", "C5"), E = c("E1", "E2"), N = NULL, O = c("O2", "O5"))
# 1. psych::alpha(x, keys = ...) on the five bfi scales, pairwise (bfi has missing answers)
for (s in names(keys)) {
  X <- bfi[, paste0(s, 1:5)]
  out[[paste0("alpha_", s)]] <- alpha_ref(alpha(X, keys = keys[[s]], warnings = FALSE))
  # 2. listwise: psych::alpha(na.omit(x), keys = ...)
  out[[paste0("alpha_", s, "_listwise")]] <- alpha_ref(alpha(na.omit(X), keys = keys[[s]], warnings = FALSE))
}
# 3. check.keys = TRUE on C (two reversed items)
out$alpha_C_checkkeys <- alpha_ref(alpha(bfi[, paste0("C", 1:5)], check.keys = TRUE, warnings = FALSE))
# 4. binary items: bfi A2..A5, C1..C3 dichotomised at >= 4 (alpha = KR-20)
B <- as.data.frame(lapply(bfi[, c("A2", "A3", "A4", "A5", "C1", "C2", "C3")], function(v) as.numeric(v >= 4)))
out$alpha_binary <- alpha_ref(alpha(B, warnings = FALSE))
Bc <- na.omit(B); k <- ncol(Bc); p <- colMeans(Bc); tot <- rowSums(Bc)
out$kr20_binary_complete <- list(
  kr20 = k / (k - 1) * (1 - sum(p * (1 - p)) / (mean(tot^2) - mean(tot)^2)),
  alpha = alpha(Bc, warnings = FALSE)$total$raw_alpha
)
# 5. small n: the first 10 complete rows of the agreeableness items
S <- head(na.omit(bfi[, paste0("A", 1:5)]), 10)
out$alpha_small <- alpha_ref(alpha(S, keys = "A1", warnings = FALSE))
# 6. two items: psych's special alpha.drop
out$alpha_two <- alpha_ref(alpha(bfi[, c("A2", "A3")], warnings = FALSE))
# 7. split half (psych::splitHalf, default check.keys = TRUE) and guttman
sh <- function(x) {
  s <- splitHalf(x, raw = TRUE)
  list(maxrb = s$maxrb, minrb = s$minrb, meanr = s$meanr, alpha = s$alpha, lambda2 = s$lambda2,
       lambda6 = s$lambda6, av_r = s$av.r, med_r = s$med.r, n_splits = length(s$raw),
       ci = unname(s$ci))
}
out$split_A <- sh(bfi[, paste0("A", 1:5)])
out$split_C <- sh(bfi[, paste0("C", 1:5)])
out$split_N <- sh(bfi[, paste0("N", 1:5)])
out$split_AC7 <- sh(bfi[, c(paste0("A", 1:5), "C1", "C2")])  # odd k: psych's half count
out$split_12 <- sh(bfi[, c(paste0("A", 2:5), paste0("C", 1:3), paste0("E", 3:5), "O1", "O3")])
gut <- function(x) {
  g <- suppressWarnings(guttman(x))
  list(lambda1 = g$lambda.1, lambda2 = g$lambda.2, lambda3 = g$lambda.3, lambda4 = g$lambda.4,
       lambda5 = g$lambda.5, lambda5p = g$lambda.5p, lambda6 = g$lambda.6, alpha_pc = g$alpha.pc,
       r_pc = g$r.pc, beta_pc = g$beta.pc, beta = g$beta)
}
out$guttman_A <- gut(bfi[, paste0("A", 1:5)])
out$guttman_N <- gut(bfi[, paste0("N", 1:5)])
out$guttman_hs <- gut(hs[, paste0("x", 1:9)])
# 8. polychoric
pol <- function(x) {
  p <- suppressWarnings(polychoric(x))
  list(rho = unname(p$rho), tau = unname(p$tau))
}
out$poly_C <- pol(bfi[, paste0("C", 1:5)])
out$poly_E <- pol(bfi[, paste0("E", 1:5)])
# empty categories, global thresholds: the first 60 rows (some items never use 1 or 6)
out$poly_A60 <- pol(bfi[1:60, paste0("A", 1:5)])
out$poly_A60_freq <- lapply(bfi[1:60, paste0("A", 1:5)], function(v) tabulate(v, 6))
# unequal numbers of categories -> global = FALSE, per-pair thresholds, correct = 0.5
U <- bfi[1:500, paste0("A", 1:5)]; U$A1[!is.na(U$A1) & U$A1 == 6] <- 5
out$poly_A500_nonglobal <- pol(U)
# 3-category items (HS x1..x6 cut at tertiles)
T3 <- as.data.frame(lapply(hs[, paste0("x", 1:6)], function(v) as.numeric(cut(v, quantile(v, c(0, 1/3, 2/3, 1)), include.lowest = TRUE))))
write.csv(T3, "hs_tertiles.csv", row.names = FALSE)
out$poly_hs3 <- pol(T3)
# not positive definite -> cor.smooth (global thresholds): bfi rows 101-120, items A1..C5
out$poly_np <- pol(bfi[101:120, 1:10])
# sparse non-global table (bfi rows 1-30, A1..C5): psych fails here (its corrected table is not
# renormalised, so a cumulative share exceeds 1 and qnorm gives NaN); recorded as an error
out$poly_sparse_nonglobal_fails <- inherits(try(suppressWarnings(polychoric(bfi[1:30, 1:10])), silent = TRUE), "try-error")
# ordinal alpha (psych::alpha on the polychoric matrix)
out$ordinal_alpha_A <- alpha_ref(alpha(polychoric(bfi[, paste0("A", 1:5)])$rho, keys = "A1", warnings = FALSE))
# 9. KMO and Bartlett
k1 <- KMO(hs[, paste0("x", 1:9)])
out$kmo_hs <- list(MSA = k1$MSA, MSAi = unname(k1$MSAi))
k2 <- KMO(na.omit(bfi[, 1:25]))
out$kmo_bfi_listwise <- list(MSA = k2$MSA, MSAi = unname(k2$MSAi))
b1 <- cortest.bartlett(hs[, paste0("x", 1:9)])
out$bartlett_hs <- list(chisq = b1$chisq, df = b1$df, p = b1$p.value, n = nrow(hs))
b2 <- cortest.bartlett(cor(bfi[, 1:25], use = "pairwise"), n = 2800)
out$bartlett_bfi_pairwise <- list(chisq = b2$chisq, df = b2$df, p = b2$p.value)
# 10. correlation helpers: smc on a singular matrix (a duplicated item) and with NA;
#     cor.smooth of a non-positive-definite matrix
D <- na.omit(bfi[, paste0("A", 1:4)]); D$dup <- D$A1
out$smc_singular <- unname(suppressMessages(smc(cor(D))))
out$smc_bfi <- unname(smc(cor(bfi[, 1:25], use = "pairwise")))
NP <- matrix(c(1, .9, .1, .3, .9, 1, .8, .2, .1, .8, 1, .4, .3, .2, .4, 1), 4)
out$cor_smooth_np <- unname(suppressWarnings(cor.smooth(NP)))
# 11. simulated ordinal data sets (R RNG), different scales, missingness, a reverse-keyed v1:
#     alpha (pairwise), polychoric and KMO on data no one tuned for
set.seed(20261128)
sims <- list()
specs <- list(c(150, 6, 1, 7, .10), c(40, 4, 0, 4, .05), c(500, 8, 1, 5, .20), c(25, 3, 1, 4, 0))
for (s in seq_along(specs)) {
  sp <- specs[[s]]; n <- sp[1]; k <- sp[2]; lo <- sp[3]; hi <- sp[4]; miss <- sp[5]
  z <- 0.7 * rnorm(n) + matrix(rnorm(n * k), n) * 0.8
  z[, 1] <- -z[, 1]
  cuts <- quantile(z, seq(0, 1, length.out = hi - lo + 2))
  x <- matrix(findInterval(z, cuts[-c(1, length(cuts))]) + lo, n)
  x[matrix(runif(n * k), n) < miss] <- NA
  colnames(x) <- paste0("v", 1:k); x <- as.data.frame(x)
  sims[[s]] <- cbind(set = s, x)
  a <- alpha(x, keys = "v1", warnings = FALSE)
  out[[paste0("sim", s)]] <- c(alpha_ref(a), list(
    poly = unname(suppressWarnings(polychoric(x))$rho), kmo = KMO(x)$MSA))
}
all_cols <- paste0("v", 1:8)
sims <- lapply(sims, function(d) { for (v in setdiff(all_cols, names(d))) d[[v]] <- NA; d[, c("set", all_cols)] })
write.csv(do.call(rbind, sims), "reliability_sim.csv", row.names = FALSE, na = "")
write(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"), "reliability_a_R.json")
