# Reference values for satscore's EFA, rotations, omega, parallel analysis and MAP
# (reliability engineer B). Run from tests/data:  Rscript make_reliability_b.R
# Writes reliability_b_R.json (jsonlite::toJSON(digits = NA)).
# Packages: psych 2.2.9, GPArotation 2022.10-2, jsonlite; R 4.2.2.
suppressMessages({library(psych); library(GPArotation); library(jsonlite)})
out <- list()
out$versions <- list(psych = as.character(packageVersion("psych")),
                     GPArotation = as.character(packageVersion("GPArotation")),
                     R = R.version.string)
bfi <- read.csv("bfi.csv")
X <- bfi[, 1:25]
hs <- read.csv("holzinger1939.csv")
H <- hs[, paste0("x", 1:9)]

# ---- rotations on stored (unrotated) loading matrices -------------------------------------
# A: bfi 5-factor minres, unrotated; B: Holzinger 3-factor ml, unrotated
A <- unclass(fa(X, nfactors = 5, fm = "minres", rotate = "none")$loadings)
B <- unclass(fa(H, nfactors = 3, fm = "ml", rotate = "none")$loadings)
rot <- function(L) {
  ob <- GPArotation::oblimin(L)                       # psych fa(rotate = "oblimin")
  ge <- GPArotation::geominQ(L)                       # psych fa(rotate = "geominQ"), delta .01
  qm <- GPArotation::quartimax(L)                     # psych fa(rotate = "quartimax")
  vm <- stats::varimax(L)                             # psych fa(rotate = "varimax")
  pm <- psych::Promax(L)                              # psych fa(rotate = "Promax")
  kp <- psych::kaiser(L, rotate = "Promax")           # psych fa(rotate = "promax")
  obn <- GPArotation::oblimin(L, normalize = TRUE)    # Kaiser-normalised oblimin
  list(unrotated = unname(L),
       oblimin = list(loadings = unname(unclass(ob$loadings)), Phi = unname(ob$Phi)),
       oblimin_normalized = list(loadings = unname(unclass(obn$loadings)), Phi = unname(obn$Phi)),
       geomin = list(loadings = unname(unclass(ge$loadings)), Phi = unname(ge$Phi)),
       quartimax = list(loadings = unname(unclass(qm$loadings))),
       varimax = list(loadings = unname(unclass(vm$loadings)), rotmat = unname(vm$rotmat)),
       Promax = list(loadings = unname(unclass(pm$loadings)), Phi = unname(pm$Phi)),
       promax = list(loadings = unname(unclass(kp$loadings)), Phi = unname(kp$Phi)))
}
out$rot_bfi5 <- rot(A)
out$rot_hs3 <- rot(B)

om_out <- function(o) {
  list(omega_h = o$omega_h, omega_lim = o$omega.lim, omega_tot = o$omega.tot, alpha = o$alpha,
       G6 = o$G6, ECV = unname(o$ECV), sl = unname(o$schmid$sl), sl_colnames = colnames(o$schmid$sl),
       sl_rownames = rownames(o$schmid$sl), key = unname(o$key),
       gloading = unname(as.vector(o$schmid$gloading)),
       omega_group = unname(as.matrix(o$omega.group)))
}

# ---- fa(): every reported statistic ------------------------------------------------------
fa_out <- function(f) {
  list(loadings = unname(unclass(f$loadings)), colnames = colnames(f$loadings),
       Phi = if (is.null(f$Phi)) NULL else unname(f$Phi),
       communality = unname(f$communality), uniquenesses = unname(f$uniquenesses),
       communalities = unname(f$communalities),
       values = unname(f$values), e_values = unname(f$e.values),
       Vaccounted = unname(f$Vaccounted),
       STATISTIC = if (is.null(f$STATISTIC)) NULL else f$STATISTIC, dof = f$dof,
       PVAL = if (is.null(f$PVAL)) NULL else f$PVAL,
       objective = f$objective, fit = f$fit, fit_off = f$fit.off,
       RMSEA = if (is.null(f$RMSEA)) NULL else unname(f$RMSEA[1:3]),
       TLI = if (is.null(f$TLI)) NULL else f$TLI, BIC = if (is.null(f$BIC)) NULL else f$BIC,
       SABIC = if (is.null(f$SABIC)) NULL else f$SABIC,
       rms = f$rms, crms = f$crms, chi = f$chi, EBIC = f$EBIC,
       null_chisq = if (is.null(f$null.chisq)) NULL else f$null.chisq, null_dof = f$null.dof,
       n_obs = f$n.obs, complexity = unname(f$complexity))
}
out$fa_bfi5_minres_oblimin <- fa_out(fa(X, 5, fm = "minres", rotate = "oblimin"))
out$fa_bfi5_ml_varimax <- fa_out(fa(X, 5, fm = "ml", rotate = "varimax"))
out$fa_bfi3_pa_promax <- fa_out(fa(X, 3, fm = "pa", rotate = "promax"))
out$fa_bfi4_ml_geomin <- fa_out(fa(X, 4, fm = "ml", rotate = "geominQ"))
out$fa_bfi6_minres_quartimax <- fa_out(fa(X, 6, fm = "minres", rotate = "quartimax"))
out$fa_hs3_minres_varimax <- fa_out(fa(H, 3, fm = "minres", rotate = "varimax"))
out$fa_hs3_ml_oblimin <- fa_out(fa(H, 3, fm = "ml", rotate = "oblimin"))
out$fa_hs3_pa_none <- fa_out(fa(H, 3, fm = "pa", rotate = "none"))
out$fa_hs2_minres_Promax <- fa_out(fa(H, 2, fm = "minres", rotate = "Promax"))
out$fa_hs1_ml <- fa_out(fa(H, 1, fm = "ml"))
out$fa_bfi10_poly2_minres_oblimin <- fa_out(fa(X[, 1:10], 2, cor = "poly"))
# heavier, deterministic missingness: rows 1, 4, 7, ... lose C1; rows 2, 7, 12, ... lose E3 and O1
Xm <- X
Xm[seq(1, nrow(Xm), by = 3), "C1"] <- NA
Xm[seq(2, nrow(Xm), by = 5), c("E3", "O1")] <- NA
out$fa_bfimiss4_pa_oblimin <- fa_out(fa(Xm, 4, fm = "pa", rotate = "oblimin"))
out$fa_bfimiss5_ml_promax <- fa_out(fa(Xm, 5, fm = "ml", rotate = "promax"))
out$fa_bfi15_3_minres_geomin <- fa_out(fa(X[, 1:15], 3, fm = "minres", rotate = "geominQ"))
out$fa_bfi20_4_ml_Promax <- fa_out(fa(X[, 6:25], 4, fm = "ml", rotate = "Promax"))
out$omega_bfimiss5_pa_geomin <- om_out(omega(Xm, nfactors = 5, fm = "pa", rotate = "geominQ", plot = FALSE))
RH <- cor(H)
out$hs_cor <- unname(RH)
out$fa_hscor3_minres_oblimin_n301 <- fa_out(fa(RH, 3, n.obs = 301, fm = "minres", rotate = "oblimin"))
out$fa_hscor3_minres_oblimin_nobs_na <- fa_out(fa(RH, 3, fm = "minres", rotate = "oblimin"))

# ---- omega ------------------------------------------------------------------------------
out$omega_bfi5 <- om_out(omega(X, nfactors = 5, plot = FALSE))
out$omega_hs3 <- om_out(omega(H, nfactors = 3, plot = FALSE))
out$omega_bfi10_2_equal <- om_out(omega(X[, 1:10], nfactors = 2, plot = FALSE))
out$omega_bfi10_2_first <- om_out(omega(X[, 1:10], nfactors = 2, plot = FALSE, option = "first"))
out$omega_bfi10_2_second <- om_out(omega(X[, 1:10], nfactors = 2, plot = FALSE, option = "second"))
out$omega_bfiAC_3_ml <- om_out(omega(X[, 1:10], nfactors = 3, fm = "ml", plot = FALSE))
out$omega_bfi_noflip <- om_out(omega(X[, 11:20], nfactors = 3, flip = FALSE, plot = FALSE))
out$omega_hs3_promax <- om_out(omega(H, nfactors = 3, rotate = "promax", plot = FALSE))
out$thurstone <- unname(as.matrix(Thurstone))
out$thurstone_names <- colnames(Thurstone)
out$omega_thurstone <- om_out(omega(Thurstone, nfactors = 3, n.obs = 213, plot = FALSE))

# one-factor omega per bfi scale, reverse-keyed items reversed as 7 - x (reliability_report)
rev <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
Xk <- X; Xk[, rev] <- 7 - Xk[, rev]
out$omega1_bfi_scales <- lapply(setNames(c("A", "C", "E", "N", "O"), c("A", "C", "E", "N", "O")),
  function(s) suppressWarnings(suppressMessages(
    omega(Xk[, paste0(s, 1:5)], nfactors = 1, plot = FALSE)))$omega.tot)
out$alpha_bfi_scales <- lapply(setNames(c("A", "C", "E", "N", "O"), c("A", "C", "E", "N", "O")),
  function(s) { a <- alpha(Xk[, paste0(s, 1:5)], warnings = FALSE)
    list(raw_alpha = a$total$raw_alpha, r_drop = unname(a$item.stats$r.drop),
         alpha_if_dropped = unname(a$alpha.drop$raw_alpha)) })

# ---- parallel analysis: deterministic parts + a seeded run --------------------------------
set.seed(123)
# fa.parallel runs its replicates with parallel::mclapply, so even with set.seed the
# replicate values change between runs; only the observed eigenvalues are deterministic.
pa <- fa.parallel(X, plot = FALSE)
out$parallel_bfi <- list(pc_values = pa$pc.values, fa_values = pa$fa.values, nfact = pa$nfact,
                         ncomp = pa$ncomp, pc_sim = pa$pc.sim, fa_sim = pa$fa.sim,
                         pc_simr = pa$pc.simr, fa_simr = pa$fa.simr, seed = 123)
set.seed(7)
pah <- fa.parallel(H, plot = FALSE, n.iter = 100)
out$parallel_hs <- list(pc_values = pah$pc.values, fa_values = pah$fa.values, nfact = pah$nfact,
                        ncomp = pah$ncomp, pc_sim = pah$pc.sim, fa_sim = pah$fa.sim, seed = 7,
                        n_iter = 100)

pap <- suppressWarnings(fa.parallel(X[, 1:10], cor = "poly", n.iter = 5, plot = FALSE))
out$parallel_bfi10_poly <- list(pc_values = pap$pc.values, fa_values = pap$fa.values,
                                nfact = pap$nfact, ncomp = pap$ncomp)

# ---- Velicer's MAP (psych::VSS, squared partial correlations) ------------------------------
v <- VSS(X, n = 8, plot = FALSE)
out$map_bfi <- list(map = v$map, n = 8)
vh <- VSS(H, n = 8, plot = FALSE)
out$map_hs <- list(map = vh$map, n = 8)

# ---- Heywood case -------------------------------------------------------------------------
Rh <- matrix(c(1, .8, .8, .8, 1, .5, .8, .5, 1), 3, 3)
fh <- suppressWarnings(fa(Rh, 1, n.obs = 200, fm = "minres"))
out$heywood <- list(R = Rh, loadings = unname(as.vector(fh$loadings)), communality = unname(fh$communality))

write(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null", na = "null"),
      "reliability_b_R.json")
cat("done\n")
