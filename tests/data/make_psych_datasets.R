# Reference values for satscore's psych-side functions on data NOT used by the other reference
# scripts (polychoric, fa, rotations, omega, splitHalf/guttman, KMO, Bartlett, VSS map,
# fa.parallel's deterministic parts).
# Run from tests/data:  Rscript make_psych_datasets.R
# Writes psych_datasets_R.json (jsonlite::toJSON(digits = NA)) and the data sets the tests read:
#   sat_act.csv         psych::sat.act (700 x 6, 13 NA in SATQ)
#   thurstone.csv       psych::Thurstone (9 x 9 correlations, n = 213)
#   harman74.csv        datasets::Harman74.cor$cov (24 x 24 correlations, n = 145)
#   bechtoldt1.csv      psych::Bechtoldt.1 (17 x 17 correlations, n = 212)
#   reise.csv           psych::Reise (16 x 16 correlations, n = 1000)
#   ord_mixed.csv       simulated ordinal items, 3-, 4- and 7-point, sparse categories, 6% NA, n = 160
#   ord_global.csv      simulated 5-point items, empty categories and zero cells, n = 70
#   bin_sim.csv         simulated binary items (3 factors), 5% NA, n = 400
# psych's data(ability) lives in psychTools, which is not installed here, so binary items are
# simulated instead (bin_sim.csv).
# Packages: psych 2.2.9, GPArotation 2022.10-2, jsonlite; R 4.2.2. Every non-finite number is
# written as null.
suppressMessages({library(psych); library(GPArotation); library(jsonlite)})
out <- list()
out$versions <- list(psych = as.character(packageVersion("psych")),
                     GPArotation = as.character(packageVersion("GPArotation")),
                     R = R.version.string)
fin <- function(x) { if (is.null(x)) return(NULL); x <- unclass(x); x[!is.finite(x)] <- NA; x }
um <- function(x) { if (is.null(x)) return(NULL); x <- as.matrix(unclass(x)); dimnames(x) <- NULL; fin(x) }
uv <- function(x) { if (is.null(x)) return(NULL); fin(unname(as.vector(unclass(x)))) }

# ---- data ------------------------------------------------------------------------------------
sat <- psych::sat.act
write.csv(sat, "sat_act.csv", row.names = FALSE)
wcor <- function(R, file) write.csv(as.data.frame(R), file, row.names = FALSE)
Th <- psych::Thurstone; wcor(Th, "thurstone.csv")
H74 <- datasets::Harman74.cor$cov; wcor(H74, "harman74.csv")
Be <- psych::Bechtoldt.1; wcor(Be, "bechtoldt1.csv")
Re <- psych::Reise; wcor(Re, "reise.csv")
N <- list(thurstone = 213, harman74 = 145, bechtoldt1 = 212, reise = 1000)

set.seed(20261128)
ordinal <- function(z, cuts) findInterval(z, cuts) + 1
# mixed: 9 items, two correlated factors; items 1-3 have 3 points, 4-6 four points, 7-9 seven
n <- 160
f <- matrix(rnorm(n * 2), n) %*% chol(matrix(c(1, .4, .4, 1), 2))
lam <- c(.8, .7, .6, .7, .6, .5, .75, .65, .55)
fac <- c(1, 1, 2, 1, 2, 2, 1, 2, 1)
Z <- sapply(1:9, function(j) lam[j] * f[, fac[j]] + sqrt(1 - lam[j]^2) * rnorm(n))
cuts <- list(c(-.3, .9), c(-1.4, .2), c(.5, 1.6),                  # 3-point; item 3 sparse top
             c(-1, 0, 1), c(-2.2, -.6, .7), c(-.4, .4, 2.1),         # 4-point; sparse extremes
             c(-1.8, -1, -.3, .3, 1, 1.5), c(-2.5, -2.1, -1, 0, 1.5, 2.6), c(-1.5, -.5, 0, .5, 1.0, 1.4))
ordm <- sapply(1:9, function(j) ordinal(Z[, j], cuts[[j]]))
ordm[ordm[, 8] == 2, 8] <- 3               # item 8: category 2 never used (empty middle category)
ordm[sample(length(ordm), round(.06 * length(ordm)))] <- NA
colnames(ordm) <- paste0("q", 1:9)
write.csv(ordm, "ord_mixed.csv", row.names = FALSE)
# global: 6 five-point items, one factor, n = 70; g1 never uses 1; g4 never uses 3 (zero cells)
n <- 70
f <- rnorm(n)
Zg <- sapply(c(.8, .75, .7, .7, .6, .55), function(l) l * f + sqrt(1 - l^2) * rnorm(n))
ordg <- sapply(1:6, function(j) ordinal(Zg[, j], c(-1.6, -.7, .2, 1.1)))
ordg[ordg[, 1] == 1, 1] <- 2
ordg[ordg[, 4] == 3, 4] <- 4
ordg[c(5, 17, 40), 2] <- NA
colnames(ordg) <- paste0("g", 1:6)
write.csv(ordg, "ord_global.csv", row.names = FALSE)
# binary: 12 items, three correlated factors, n = 400, 5% NA
n <- 400
f <- matrix(rnorm(n * 3), n) %*% chol(matrix(c(1, .3, .2, .3, 1, .35, .2, .35, 1), 3))
Zb <- sapply(1:12, function(j) .7 * f[, (j - 1) %/% 4 + 1] + sqrt(1 - .49) * rnorm(n))
binm <- sapply(1:12, function(j) as.integer(Zb[, j] > c(-1, -.5, 0, .6)[(j - 1) %% 4 + 1]))
binm[sample(length(binm), round(.05 * length(binm)))] <- NA
colnames(binm) <- paste0("b", 1:12)
write.csv(binm, "bin_sim.csv", row.names = FALSE)

sat5 <- sat[, c("education", "age", "ACT", "SATV", "SATQ")]
raw <- list(sat5 = sat5, sat3 = sat[, c("ACT", "SATV", "SATQ")], ord_mixed = ordm,
            ord_global = ordg, bin_sim = binm)
mats <- list(thurstone = Th, harman74 = H74, bechtoldt1 = Be, reise = Re)

# ---- polychoric ------------------------------------------------------------------------------
pc_out <- function(p) list(rho = um(p$rho), tau = um(p$tau))
pcs <- list()
pcs$ord_mixed <- suppressWarnings(polychoric(ordm))                 # global = FALSE, correct = .5
pcs$ord_mixed_correct0 <- suppressWarnings(polychoric(ordm, correct = 0))
pcs$ord_mixed_correct02 <- suppressWarnings(polychoric(ordm, correct = 0.2))
pcs$ord_mixed_7pt <- suppressWarnings(polychoric(ordm[, 7:9]))      # 7-point only
pcs$ord_mixed_3pt <- suppressWarnings(polychoric(ordm[, 1:3]))      # 3-point, different tops
pcs$ord_global <- suppressWarnings(polychoric(ordg))                # global thresholds, zero cells
pcs$bin_sim <- suppressWarnings(polychoric(binm))                   # binary (= tetrachoric ML)
out$polychoric <- lapply(pcs, pc_out)
pr <- list(ord_mixed = pcs$ord_mixed$rho, ord_global = pcs$ord_global$rho, bin_sim = pcs$bin_sim$rho)

# ---- fa ----------------------------------------------------------------------------------------
fa_out <- function(f) {
  list(loadings = um(f$loadings), colnames = colnames(f$loadings), Phi = um(f$Phi),
       communality = uv(f$communality), uniquenesses = uv(f$uniquenesses),
       complexity = uv(f$complexity), Vaccounted = um(f$Vaccounted),
       e_values = uv(f$e.values), values = uv(f$values), dof = f$dof,
       objective = fin(f$objective), STATISTIC = fin(f$STATISTIC), PVAL = fin(f$PVAL),
       RMSEA = uv(f$RMSEA), TLI = fin(f$TLI), BIC = fin(f$BIC), SABIC = fin(f$SABIC),
       null_chisq = fin(f$null.chisq), null_dof = f$null.dof, rms = fin(f$rms),
       crms = fin(f$crms), fit = f$fit, fit_off = f$fit.off, chi = fin(f$chi),
       EBIC = fin(f$EBIC), n_obs = fin(f$n.obs))
}
fas <- list()
addfa <- function(name, data, src, nf, fm, rot, n.obs = NA, cor = "cor") {
  f <- suppressWarnings(suppressMessages(
    fa(data, nfactors = nf, fm = fm, rotate = rot, n.obs = n.obs, cor = cor)))
  r <- fa_out(f)
  r$data <- src; r$nfactors <- nf; r$fm <- fm; r$rotate <- rot; r$cor <- cor
  r$n_obs_arg <- if (is.na(n.obs)) NULL else n.obs
  fas[[name]] <<- r
}
rots <- c("oblimin", "promax", "Promax", "varimax", "geominQ", "quartimax", "quartimin", "none")
for (fm in c("minres", "ml", "pa")) for (rot in rots) {
  addfa(paste("thurstone3", fm, rot, sep = "_"), Th, "thurstone", 3, fm, rot, n.obs = 213)
  addfa(paste("harman4", fm, rot, sep = "_"), H74, "harman74", 4, fm, rot, n.obs = 145)
  addfa(paste("bin3", fm, rot, sep = "_"), binm, "bin_sim", 3, fm, rot)
}
for (fm in c("minres", "ml", "pa")) {
  addfa(paste0("sat5_1_", fm), sat5, "sat5", 1, fm, "oblimin")
  addfa(paste0("sat5_2_", fm), sat5, "sat5", 2, fm, "oblimin")           # Heywood-prone
  addfa(paste0("sat5_2_", fm, "_varimax"), sat5, "sat5", 2, fm, "varimax")
  addfa(paste0("sat3_1_", fm), sat[, c("ACT", "SATV", "SATQ")], "sat3", 1, fm, "oblimin")  # dof 0
  addfa(paste0("ordmixed2_", fm, "_oblimin"), ordm, "ord_mixed", 2, fm, "oblimin")
  addfa(paste0("ordmixed2_", fm, "_poly"), ordm, "ord_mixed", 2, fm, "oblimin", cor = "poly")
  addfa(paste0("ordglobal1_", fm, "_poly"), ordg, "ord_global", 1, fm, "oblimin", cor = "poly")
  addfa(paste0("bin3_", fm, "_poly_geomin"), binm, "bin_sim", 3, fm, "geominQ", cor = "poly")
  addfa(paste0("bechtoldt5_", fm, "_oblimin"), Be, "bechtoldt1", 5, fm, "oblimin", n.obs = 212)
  addfa(paste0("reise5_", fm, "_promax"), Re, "reise", 5, fm, "promax", n.obs = 1000)
  addfa(paste0("harman1_", fm), H74, "harman74", 1, fm, "oblimin", n.obs = 145)
  addfa(paste0("harman6_", fm, "_oblimin"), H74, "harman74", 6, fm, "oblimin", n.obs = 145)
  addfa(paste0("thurstone3_", fm, "_nonobs"), Th, "thurstone", 3, fm, "oblimin")   # no n.obs
}
out$fa <- fas

# ---- omega --------------------------------------------------------------------------------
om_out <- function(o) {
  list(omega_h = o$omega_h, omega_lim = o$omega.lim, omega_tot = o$omega.tot, alpha = o$alpha,
       G6 = o$G6, ECV = unname(o$ECV), sl = um(o$schmid$sl), sl_colnames = colnames(o$schmid$sl),
       oblique = um(o$schmid$oblique), phi = um(o$schmid$phi),
       gloading = uv(o$schmid$gloading), key = uv(o$key),
       omega_group = um(as.matrix(o$omega.group)))
}
oms <- list()
addom <- function(name, data, src, nf, fm = "minres", rot = "oblimin", option = "equal",
                  n.obs = NA, poly = FALSE) {
  o <- suppressWarnings(suppressMessages(
    omega(data, nfactors = nf, fm = fm, rotate = rot, option = option, n.obs = n.obs,
          plot = FALSE, poly = poly)))
  r <- om_out(o)
  r$data <- src; r$nfactors <- nf; r$fm <- fm; r$rotate <- rot; r$option <- option
  r$n_obs_arg <- if (is.na(n.obs)) NULL else n.obs; r$poly <- poly
  oms[[name]] <<- r
}
addom("thurstone3", Th, "thurstone", 3, n.obs = 213)
addom("thurstone3_ml_promax", Th, "thurstone", 3, fm = "ml", rot = "promax", n.obs = 213)
addom("thurstone3_pa_geomin", Th, "thurstone", 3, fm = "pa", rot = "geominQ", n.obs = 213)
for (opt in c("equal", "first", "second")) {
  addom(paste0("thurstone2_", opt), Th, "thurstone", 2, option = opt, n.obs = 213)
  addom(paste0("sat5_2_", opt), sat5, "sat5", 2, option = opt)
}
addom("harman4", H74, "harman74", 4, n.obs = 145)
addom("harman4_Promax", H74, "harman74", 4, rot = "Promax", n.obs = 145)
addom("reise4", Re, "reise", 4, n.obs = 1000)
addom("reise5_ml", Re, "reise", 5, fm = "ml", n.obs = 1000)
addom("bechtoldt4", Be, "bechtoldt1", 4, n.obs = 212)
addom("bin3", binm, "bin_sim", 3)
addom("bin3_poly", binm, "bin_sim", 3, poly = TRUE)
addom("ordmixed3", ordm, "ord_mixed", 3)
out$omega <- oms

# ---- splitHalf / guttman ------------------------------------------------------------------
sh_out <- function(s) list(maxrb = s$maxrb, minrb = s$minrb, meanr = s$meanr, alpha = s$alpha,
                           lambda2 = s$lambda2, lambda6 = s$lambda6, av_r = s$av.r,
                           med_r = s$med.r)
gt_out <- function(g) list(lambda1 = g$lambda.1, lambda2 = g$lambda.2, lambda3 = g$lambda.3,
                           lambda4 = g$lambda.4, lambda5 = g$lambda.5, lambda5p = g$lambda.5p,
                           lambda6 = g$lambda.6, alpha_pc = g$alpha.pc, r_pc = g$r.pc,
                           beta_pc = g$beta.pc, beta = g$beta)
shs <- list(); gts <- list()
srcs <- list(sat5 = sat5, ord_mixed = ordm, ord_global = ordg, bin_sim = binm, thurstone = Th,
             bechtoldt1 = Be, reise = Re, harman74 = H74)
for (nm in names(srcs)) {
  shs[[nm]] <- sh_out(suppressWarnings(splitHalf(srcs[[nm]])))
  if (nm != "harman74")  # 24 items: psych samples splits with R's RNG
    gts[[nm]] <- gt_out(suppressWarnings(suppressMessages(guttman(srcs[[nm]]))))
}
shs$bin_sim_keyed <- sh_out(splitHalf(binm, key = c(1, 1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                                      check.keys = FALSE))
out$split_half <- shs
out$guttman <- gts

# ---- KMO / Bartlett -----------------------------------------------------------------------
ad <- list()
for (nm in c("sat5", "ord_mixed", "ord_global", "bin_sim"))
  ad[[nm]] <- list(MSA = KMO(raw[[nm]])$MSA, MSAi = uv(KMO(raw[[nm]])$MSAi),
                   chisq = suppressMessages(cortest.bartlett(raw[[nm]])$chisq),
                   n = nrow(raw[[nm]]))
ad$sat_all <- list(MSA = KMO(sat)$MSA, MSAi = uv(KMO(sat)$MSAi),
                   chisq = suppressMessages(cortest.bartlett(sat)$chisq), n = nrow(sat))
for (nm in names(mats))
  ad[[nm]] <- list(MSA = KMO(mats[[nm]])$MSA, MSAi = uv(KMO(mats[[nm]])$MSAi),
                   chisq = cortest.bartlett(mats[[nm]], n = N[[nm]])$chisq, n = N[[nm]])
ad$ord_mixed_poly <- list(MSA = KMO(pr$ord_mixed)$MSA, MSAi = uv(KMO(pr$ord_mixed)$MSAi),
                          chisq = cortest.bartlett(pr$ord_mixed, n = 160)$chisq, n = 160)
out$adequacy <- ad

# ---- Velicer's MAP (VSS) ------------------------------------------------------------------
mp <- list()
for (nm in c("sat5", "ord_mixed", "bin_sim"))
  mp[[nm]] <- uv(suppressMessages(VSS(raw[[nm]], n = 8, plot = FALSE))$map)
for (nm in names(mats))
  mp[[nm]] <- uv(suppressMessages(VSS(mats[[nm]], n = 8, n.obs = N[[nm]], plot = FALSE))$map)
mp$ord_mixed_poly <- uv(suppressMessages(VSS(ordm, n = 8, cor = "poly", plot = FALSE))$map)
out$map <- mp

# ---- fa.parallel: deterministic parts (observed eigenvalues) ---------------------------------
pa <- list()
for (nm in c("sat5", "ord_mixed", "bin_sim")) for (fm in c("minres", "ml", "pa")) {
  p <- suppressWarnings(suppressMessages(capture.output(
    r <- fa.parallel(raw[[nm]], fm = fm, n.iter = 2, plot = FALSE))))
  pa[[paste(nm, fm, sep = "_")]] <- list(data = nm, fm = fm, fa_values = uv(r$fa.values),
                                         pc_values = uv(r$pc.values))
}
for (nm in c("thurstone", "harman74")) {
  p <- suppressWarnings(suppressMessages(capture.output(
    r <- fa.parallel(mats[[nm]], n.obs = N[[nm]], n.iter = 2, plot = FALSE))))
  pa[[nm]] <- list(data = nm, fm = "minres", fa_values = uv(r$fa.values),
                   pc_values = uv(r$pc.values))
}
# fa.parallel(ordm, cor = "poly") itself fails on resampled tables (the continuity correction
# pushes thresholds past 1); its observed values are these two calls:
pa$ord_mixed_poly <- list(data = "ord_mixed", fm = "minres", cor = "poly",
                          fa_values = uv(fa(pr$ord_mixed, 1, rotate = "none", warnings = FALSE)$values),
                          pc_values = uv(eigen(pr$ord_mixed)$values))
out$parallel <- pa

# ---- edge cases ----------------------------------------------------------------------------
# Data (written to csv): edge_binary_zero.csv (binary, a zero cell -> rho near 1 -> smoothed),
# edge_gap_codes.csv (codes 0..4, code 3 unused by every item), edge_negative_codes.csv
# (codes -2..2), edge_sparse_small.csv (n = 30, one item uses only 3 and 5), edge_8cat.csv
# (8 categories, psych's max.cat), edge_pairwise_npd.csv (40% missing -> indefinite pairwise
# matrix), edge_heywood_small.csv (n = 20, 8 items, 3 factors).
set.seed(7)
ed <- list()
n <- 120; z <- rnorm(n)
b <- sapply(c(.9, .8, .7, .6, .5), function(l) as.integer(l * z + sqrt(1 - l^2) * rnorm(n) > 0))
b[b[, 1] == 1 & b[, 2] == 0, 2] <- 1
colnames(b) <- paste0("x", 1:5); write.csv(b, "edge_binary_zero.csv", row.names = FALSE)
z <- rnorm(200)
x <- sapply(c(.8, .7, .6, .5), function(l) findInterval(l * z + sqrt(1 - l^2) * rnorm(200), c(-1, -.3, .4, 1.2)))
x2 <- x; x2[x2 == 3] <- 4; colnames(x2) <- paste0("x", 1:4)
write.csv(x2, "edge_gap_codes.csv", row.names = FALSE)
x3 <- x - 2; colnames(x3) <- paste0("x", 1:4); write.csv(x3, "edge_negative_codes.csv", row.names = FALSE)
z <- rnorm(30)
x5 <- sapply(c(.8, .7, .6, .5), function(l) findInterval(l * z + sqrt(1 - l^2) * rnorm(30), c(-1, -.3, .4, 1.2)) + 1)
x5[, 4] <- ifelse(x5[, 4] > 3, 5, 3); colnames(x5) <- paste0("x", 1:4)
write.csv(x5, "edge_sparse_small.csv", row.names = FALSE)
z <- rnorm(300)
x8 <- sapply(c(.8, .7, .6, .5, .7), function(l) findInterval(l * z + sqrt(1 - l^2) * rnorm(300), c(-1.5, -1, -.5, 0, .5, 1, 1.5)) + 1)
colnames(x8) <- paste0("x", 1:5); write.csv(x8, "edge_8cat.csv", row.names = FALSE)
n <- 40; f <- rnorm(n)
m <- sapply(c(.8, .7, .6, .5, .6, .7), function(l) l * f + sqrt(1 - l^2) * rnorm(n))
m[sample(length(m), round(.4 * length(m)))] <- NA
colnames(m) <- paste0("x", 1:6); write.csv(m, "edge_pairwise_npd.csv", row.names = FALSE)
n <- 20; f <- rnorm(n)
s <- sapply(c(.95, .9, .85, .5, .4, .3, .6, .5), function(l) l * f + sqrt(1 - l^2) * rnorm(n))
colnames(s) <- paste0("x", 1:8); write.csv(s, "edge_heywood_small.csv", row.names = FALSE)
for (nm in c("binary_zero", "gap_codes", "negative_codes", "sparse_small", "8cat")) {
  d <- list(binary_zero = b, gap_codes = x2, negative_codes = x3, sparse_small = x5, `8cat` = x8)[[nm]]
  ed[[paste0("polychoric_", nm)]] <- pc_out(suppressWarnings(polychoric(d)))
}
ed$npd_min_eigen <- min(eigen(cor(m, use = "pairwise"))$values)
ed$npd_fa2 <- fa_out(suppressWarnings(fa(m, 2)))
ed$npd_map <- uv(suppressWarnings(suppressMessages(VSS(m, n = 8, plot = FALSE)))$map)  # NaN for k >= 4
ed$npd_kmo <- fin(suppressWarnings(KMO(m)$MSA))                     # NaN: inverse has a negative diagonal
ed$npd_bartlett <- fin(suppressWarnings(suppressMessages(cortest.bartlett(m)$chisq)))  # NaN: det < 0
for (fm in c("minres", "ml", "pa")) ed[[paste0("heywood3_", fm)]] <- fa_out(suppressWarnings(fa(s, 3, fm = fm)))
C <- cov(s); write.csv(C, "edge_heywood_small_cov.csv", row.names = FALSE)
ed$cov_fa2 <- fa_out(fa(C, 2, n.obs = 20))                     # a covariance matrix is rescaled
ed$cov_kmo <- KMO(cov2cor(C))$MSA
key <- c(1, -1, 1, 1, 1, -1, 1, 1, 1)
Thr <- diag(key) %*% Th %*% diag(key); dimnames(Thr) <- dimnames(Th)
ed$omega_reversed <- om_out(omega(Thr, 3, n.obs = 213, plot = FALSE))          # flip = TRUE
ed$omega_reversed_key <- om_out(omega(Thr, 3, n.obs = 213, plot = FALSE, key = key))
ed$omega_1factor <- om_out(suppressWarnings(suppressMessages(omega(Th, 1, n.obs = 213, plot = FALSE))))
ed$split_reversed <- sh_out(suppressWarnings(splitHalf(Thr)))       # check.keys reverses 2 items
# unsmoothed: (x1, x2) has an empty cell, the likelihood is flat near 1 and psych's estimate is
# where optimize() stops
ed$polychoric_binary_zero_raw <- um(suppressWarnings(polychoric(b, smooth = FALSE))$rho)
# edge_binary_flat.csv (7 binary items, n = 80, 3% NA; from an R simulation with set.seed(2)):
# several pairs have an empty cell and a likelihood that is flat to double precision beyond
# ~0.95, so psych's estimate is wherever optimize() stops
flat <- as.matrix(read.csv("edge_binary_flat.csv"))
ed$polychoric_binary_flat_raw <- um(suppressWarnings(polychoric(flat, smooth = FALSE))$rho)
# edge_ultra_heywood.csv (22 items, n = 40, 15% NA; from an R simulation with set.seed(4)):
# an indefinite pairwise matrix and an ultra-Heywood 4-factor pa solution; the determinant of
# solve(model, r) is negative, so psych's objective, STATISTIC, RMSEA, TLI and BIC are NaN
uh <- as.matrix(read.csv("edge_ultra_heywood.csv"))
ed$ultra_heywood_pa4 <- fa_out(suppressWarnings(fa(uh, 4, fm = "pa", rotate = "none")))
# edge_pa_imaginary.csv (R simulation, set.seed(1)): 3-factor principal axes reach a negative
# eigenvalue; psych warns "imaginary eigen value condition" and then fails
pim <- read.csv("edge_pa_imaginary.csv")
ed$pa_imaginary_fails <- inherits(try(suppressWarnings(suppressMessages(
  fa(pim, 3, fm = "pa", rotate = "none"))), silent = TRUE), "try-error")
# edge_pair_constant.csv (13 binary items, n = 25, 3% NA; R simulation, set.seed(7)): v4 is
# constant on the rows it shares with v8, so cor(use = "pairwise") is NA there (KMO NaN),
# while splitHalf's cov2cor(cov(pairwise)) is defined
pcx <- read.csv("edge_pair_constant.csv")
ed$pair_constant_na <- unname(which(is.na(suppressWarnings(cor(pcx, use = "pairwise"))), arr.ind = TRUE))
ed$pair_constant_split <- sh_out(suppressWarnings(splitHalf(pcx)))
# fa.parallel's replicates call fa(..., SMC = FALSE): principal axes start from 1s
ed$pa_smc_false <- uv(fa(Th, 1, fm = "pa", SMC = FALSE, rotate = "none")$values)
ed$pa_smc_false_bin <- uv(fa(cor(binm, use = "pairwise"), 1, fm = "pa", SMC = FALSE)$values)
out$edge <- ed

# ---- R's optimize (Brent fmin), which psych::polychoric uses for every pair ------------------
out$brent <- list(
  sin = optimize(function(x) sin(3 * x) + x^2, c(-1, 1))$minimum,
  abs = optimize(function(x) abs(x - 0.123), c(-1, 1))$minimum,
  flat = optimize(function(x) pmax(x - 0.2, 0)^2, c(-1, 1))$minimum,       # any x <= 0.2
  quartic = optimize(function(x) (x - 0.7)^4 - x / 10, c(-1, 1))$minimum,
  edge = optimize(function(x) -x, c(-1, 1))$minimum)                      # monotone

# ---- fa.parallel: replicate distributions (R's RNG cannot be matched draw for draw) ----------
set.seed(11)
pdist <- list()
for (nm in c("ord_mixed", "bin_sim")) {
  p <- suppressWarnings(suppressMessages(capture.output(
    r <- fa.parallel(raw[[nm]], n.iter = 100, plot = FALSE))))
  v <- r$values
  pdist[[nm]] <- list(mean = uv(colMeans(v)), sd = uv(apply(v, 2, sd)), colnames = colnames(v),
                      nfact = r$nfact, ncomp = r$ncomp, n_iter = 100)
}
out$parallel_dist <- pdist

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           "psych_datasets_R.json")
