/*
 * satscore._alpha_ext: one pass over complete, integer-coded item answers.
 *
 * complete_moments(X, start, stop, gram, counts) -> bool
 *
 * For the rows [start, stop) of a 2-D float64 or int64 matrix X (any strides), if
 * every value is an integer in [-128, 127], writes into `gram` (k x k float64, C order)
 * the exact cross-products X'X (both triangles) and into `counts` (k x 256 int64, C
 * order) the number of times each code occurs per column (index code + 128), and
 * returns True. Returns
 * False as soon as a value is not such an integer (NaN, +-inf, 2.5, 128, ...): the
 * outputs are then unspecified and the caller takes its general path.
 *
 * Rows are processed in blocks that stay in the L1 cache: each block's columns are
 * converted to int16 codes (checking exactness), then every pair of columns is
 * multiplied with int32 accumulators (|product| <= 16384, so a block of BLOCK rows
 * sums to at most 16384 * BLOCK < 2**31) and added to int64 totals; the counts
 * compare each column with every value between its smallest and largest code when
 * that range is short, else use a histogram. All sums are exact integers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define BLOCK 2048  /* rows per block: 30 columns of int16 codes = 120 KB, in L2 */
#define LD (BLOCK + 32)  /* column stride of the code buffer: not a multiple of 4 KB */
#define SHORT_RANGE 16

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define MULTIVERSION
#endif

/* The int8 code of a double, clamped first (NaN becomes -128): converting an
 * out-of-range double to an integer is undefined behaviour. Exact iff it converts back. */
static inline int32_t clamp_f64(double v)
{
    double c = v > -128.0 ? v : -128.0;
    c = c < 127.0 ? c : 127.0;
    return (int32_t)c;
}

/* The int8 code of an int64 (clamped); exact iff equal to the value. */
static inline int64_t clamp_i64(int64_t v) { return v < -128 ? -128 : (v > 127 ? 127 : v); }

/* Smallest and largest of n int16 codes. */
MULTIVERSION
static void range16(const int16_t *x, Py_ssize_t n, int16_t *lo, int16_t *hi)
{
    int16_t mn = 127, mx = -128;
    for (Py_ssize_t r = 0; r < n; r++) {
        mn = x[r] < mn ? x[r] : mn;
        mx = x[r] > mx ? x[r] : mx;
    }
    *lo = mn;
    *hi = mx;
}

/* Convert a contiguous column segment to int16 codes; return 1 if every value is exact. */
MULTIVERSION
static int codes_f64_contig(const double *x, Py_ssize_t n, int16_t *out)
{
    int bad = 0;
    for (Py_ssize_t r = 0; r < n; r++) {
        double v = x[r];
        int32_t code = clamp_f64(v);
        bad |= ((double)code != v);
        out[r] = (int16_t)code;
    }
    return !bad;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AVX2_PATH 1
#include <immintrin.h>
/* codes_f64_contig with AVX2 intrinsics (the compiler does not vectorise the clamp). */
__attribute__((target("avx2")))
static int codes_f64_avx2(const double *x, Py_ssize_t n, int16_t *out)
{
    const __m256d lo = _mm256_set1_pd(-128.0), hi = _mm256_set1_pd(127.0);
    __m256d bad = _mm256_setzero_pd();
    Py_ssize_t r = 0;
    for (; r + 8 <= n; r += 8) {
        __m256d v0 = _mm256_loadu_pd(x + r), v1 = _mm256_loadu_pd(x + r + 4);
        /* max(v, lo) returns lo for NaN; the clamped value converts without overflow */
        __m128i i0 = _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(v0, lo), hi));
        __m128i i1 = _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(v1, lo), hi));
        /* exact iff the code converts back to the value (NaN compares unequal) */
        bad = _mm256_or_pd(bad, _mm256_cmp_pd(_mm256_cvtepi32_pd(i0), v0, _CMP_NEQ_UQ));
        bad = _mm256_or_pd(bad, _mm256_cmp_pd(_mm256_cvtepi32_pd(i1), v1, _CMP_NEQ_UQ));
        _mm_storeu_si128((__m128i *)(out + r), _mm_packs_epi32(i0, i1));
    }
    int ok = _mm256_movemask_pd(bad) == 0;
    return codes_f64_contig(x + r, n - r, out + r) && ok;
}

static int cpu_has_avx2(void)
{
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return known;
}
#endif

/* Codes of n float64 values `stride` bytes apart; 1 if every value is exact. */
static int codes_f64(const char *src, Py_ssize_t stride, Py_ssize_t n, int16_t *out)
{
    if (stride == (Py_ssize_t)sizeof(double)) {
#ifdef HAVE_AVX2_PATH
        if (cpu_has_avx2()) {
            return codes_f64_avx2((const double *)src, n, out);
        }
#endif
        return codes_f64_contig((const double *)src, n, out);
    }
    int ok = 1;
    for (Py_ssize_t r = 0; r < n; r++) {
        double v = *(const double *)(src + r * stride);
        int32_t code = clamp_f64(v);
        ok &= ((double)code == v);
        out[r] = (int16_t)code;
    }
    return ok;
}

/* Convert a contiguous int64 column segment to int16 codes; return 1 if all in range. */
MULTIVERSION
static int codes_i64_contig(const int64_t *x, Py_ssize_t n, int16_t *out)
{
    int64_t bad = 0;
    for (Py_ssize_t r = 0; r < n; r++) {
        int64_t v = x[r];
        int64_t c = clamp_i64(v);
        bad |= c ^ v;
        out[r] = (int16_t)c;
    }
    return bad == 0;
}

/* Codes of n int64 values `stride` bytes apart; 1 if every value is within int8. */
static int codes_i64(const char *src, Py_ssize_t stride, Py_ssize_t n, int16_t *out)
{
    if (stride == (Py_ssize_t)sizeof(int64_t)) {
        return codes_i64_contig((const int64_t *)src, n, out);
    }
    int ok = 1;
    for (Py_ssize_t r = 0; r < n; r++) {
        int64_t v = *(const int64_t *)(src + r * stride);
        int64_t c = clamp_i64(v);
        ok &= (c == v);
        out[r] = (int16_t)c;
    }
    return ok;
}

/* The 4 x 4 sums of products of code columns a[0..3] with b[0..3] (column c at + c * LD)
 * over n <= BLOCK rows: every loaded vector is used four times, so the loop runs at the
 * speed of the multiplies (vpmaddwd) instead of the loads. */
MULTIVERSION
static void dot_tile(const int16_t *a, const int16_t *b, Py_ssize_t n, int32_t s[16])
{
    const int16_t *a0 = a, *a1 = a + LD, *a2 = a + 2 * LD, *a3 = a + 3 * LD;
    const int16_t *b0 = b, *b1 = b + LD, *b2 = b + 2 * LD, *b3 = b + 3 * LD;
    int32_t s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
    int32_t s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
    for (Py_ssize_t r = 0; r < n; r++) {
        int32_t x0 = a0[r], x1 = a1[r], x2 = a2[r], x3 = a3[r];
        int32_t y0 = b0[r], y1 = b1[r], y2 = b2[r], y3 = b3[r];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
    }
    s[0] = s00; s[1] = s01; s[2] = s02; s[3] = s03;
    s[4] = s10; s[5] = s11; s[6] = s12; s[7] = s13;
    s[8] = s20; s[9] = s21; s[10] = s22; s[11] = s23;
    s[12] = s30; s[13] = s31; s[14] = s32; s[15] = s33;
}

/* How many of the n codes equal v (n <= BLOCK < 2**15: an int16 tally, vectorised). */
MULTIVERSION
static int count_equal(const int16_t *x, Py_ssize_t n, int16_t v)
{
    int16_t c = 0;
    for (Py_ssize_t r = 0; r < n; r++) {
        c += (int16_t)(x[r] == v);
    }
    return c;
}

/* Add the counts of a column's n codes to cnt (indexed by code). */
static void tally(const int16_t *col, Py_ssize_t n, int64_t *cnt)
{
    int16_t lo, hi;
    range16(col, n, &lo, &hi);
    if (hi - lo < SHORT_RANGE) {  /* Likert codes: a few vectorised comparisons */
        for (int v = lo; v <= hi; v++) {
            cnt[v] += count_equal(col, n, (int16_t)v);
        }
    } else {
        for (Py_ssize_t r = 0; r < n; r++) {
            cnt[col[r]] += 1;
        }
    }
}

/* Rows r0..r0+n of X as int16 codes into buf (column j at buf + j * LD). */
static int block_codes(const char *base, char kind, Py_ssize_t rs, Py_ssize_t cs,
                       Py_ssize_t r0, Py_ssize_t n, Py_ssize_t k, int16_t *buf, int16_t *tmp)
{
    const char *rows = base + r0 * rs;
    if (k > 1 && cs == 8 && rs == 8 * k) {
        /* row-major: convert the block's contiguous n * k values, then transpose */
        int ok = kind == 'd' ? codes_f64(rows, 8, n * k, tmp) : codes_i64(rows, 8, n * k, tmp);
        if (!ok) {
            return 0;
        }
        for (Py_ssize_t r = 0; r < n; r++) {
            for (Py_ssize_t j = 0; j < k; j++) {
                buf[j * LD + r] = tmp[r * k + j];
            }
        }
        return 1;
    }
    for (Py_ssize_t j = 0; j < k; j++) {  /* column-major (or any strides): column by column */
        const char *src = rows + j * cs;
        int ok = kind == 'd' ? codes_f64(src, rs, n, buf + j * LD)
                             : codes_i64(src, rs, n, buf + j * LD);
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

/* Prefetch the next `bytes` bytes of a row block's input: `nseg` segments of `seg` bytes,
 * `step` bytes apart (one per column when column-major, one in all when row-major).
 * Spreading these over the block's arithmetic keeps memory busy while the CPU computes,
 * so the next block is converted from cache. */
typedef struct {
    const char *p;
    Py_ssize_t seg, step, nseg, done;  /* done: bytes issued so far */
} Prefetch;

static void prefetch_more(Prefetch *pf, Py_ssize_t bytes)
{
#if defined(__GNUC__) || defined(__clang__)
    Py_ssize_t end = pf->done + bytes, total = pf->seg * pf->nseg;
    end = end < total ? end : total;
    for (; pf->done < end; pf->done += 64) {
        Py_ssize_t j = pf->done / pf->seg, off = pf->done - j * pf->seg;
        __builtin_prefetch(pf->p + j * pf->step + off, 0, 2);
    }
#else
    (void)pf;
    (void)bytes;
#endif
}

/* The pass; returns 1 when every value was exact, 0 otherwise. Runs without the GIL.
 * buf holds kp >= k columns of LD codes (columns k..kp-1 stay zero) and then tmp. */
static int moments(const char *base, char kind, Py_ssize_t rs, Py_ssize_t cs, Py_ssize_t start,
                   Py_ssize_t stop, Py_ssize_t k, Py_ssize_t kp, int16_t *buf, int16_t *tmp,
                   int64_t *acc, int64_t *counts)
{
    int32_t s[16];
    Py_ssize_t tiles = (kp / 4) * (kp / 4 + 1) / 2;
    for (Py_ssize_t r0 = start; r0 < stop; r0 += BLOCK) {
        Py_ssize_t n = stop - r0 < BLOCK ? stop - r0 : BLOCK;
        if (!block_codes(base, kind, rs, cs, r0, n, k, buf, tmp)) {
            return 0;
        }
        /* the next block's input, when it is one or k contiguous runs */
        Py_ssize_t next = stop - r0 - n < BLOCK ? stop - r0 - n : BLOCK;
        Prefetch pf = {base + (r0 + n) * rs, 0, 0, 0, 0};
        if (next > 0 && rs == 8) {
            pf.seg = next * 8, pf.step = cs, pf.nseg = k;
        } else if (next > 0 && cs == 8 && rs == 8 * k) {
            pf.seg = next * 8 * k, pf.step = 0, pf.nseg = 1;
        }
        Py_ssize_t share = (pf.seg * pf.nseg) / (tiles + k) + 64;
        for (Py_ssize_t j = 0; j < k; j++) {
            tally(buf + j * LD, n, counts + j * 256 + 128);
            prefetch_more(&pf, share);
        }
        /* upper triangle in 4 x 4 tiles of columns (the zero columns past k add nothing) */
        for (Py_ssize_t i = 0; i < kp; i += 4) {
            for (Py_ssize_t j = i; j < kp; j += 4) {
                dot_tile(buf + i * LD, buf + j * LD, n, s);
                prefetch_more(&pf, share);
                for (int a = 0; a < 4 && i + a < k; a++) {
                    for (int b = 0; b < 4 && j + b < k; b++) {
                        if (i + a <= j + b) {
                            acc[(i + a) * k + j + b] += s[4 * a + b];
                        }
                    }
                }
            }
        }
    }
    return 1;
}

static int check_out(Py_buffer *view, const char *name, const char *fmt, Py_ssize_t itemsize,
                     Py_ssize_t rows, Py_ssize_t cols)
{
    const char *f = view->format ? view->format : "B";
    if (f[0] == '<' || f[0] == '=' || f[0] == '@') {
        f++;
    }
    int fmt_ok = view->itemsize == itemsize && f[0] != '\0' && strchr(fmt, f[0]) != NULL
                 && f[1] == '\0';
    int shape_ok = view->ndim == 2 && view->shape != NULL && view->shape[0] == rows
                   && view->shape[1] == cols;
    if (!fmt_ok || !shape_ok) {
        PyErr_Format(PyExc_ValueError,
                     "%s must be a C-contiguous %s array of shape (%zd, %zd); found format "
                     "'%s' with %d dimension(s) and %zd bytes. Allocate it with "
                     "np.zeros((%zd, %zd), dtype=%s).",
                     name, fmt[0] == 'd' ? "float64" : "int64", rows, cols,
                     view->format ? view->format : "B", view->ndim, view->len, rows, cols,
                     fmt[0] == 'd' ? "np.float64" : "np.int64");
        return 0;
    }
    return 1;
}

static PyObject *complete_moments(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *xo, *go, *co;
    Py_ssize_t start, stop;
    if (!PyArg_ParseTuple(args, "OnnOO:complete_moments", &xo, &start, &stop, &go, &co)) {
        return NULL;
    }
    Py_buffer x, g, c;
    if (PyObject_GetBuffer(xo, &x, PyBUF_STRIDES | PyBUF_FORMAT) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(go, &g, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&x);
        return NULL;
    }
    if (PyObject_GetBuffer(co, &c, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&x);
        PyBuffer_Release(&g);
        return NULL;
    }
    PyObject *result = NULL;
    int16_t *buf = NULL;
    int64_t *acc = NULL;
    const char *f = x.format ? x.format : "B";
    if (f[0] == '<' || f[0] == '=' || f[0] == '@') {
        f++;
    }
    char kind = 0;
    if (x.itemsize == 8 && f[1] == '\0' && f[0] == 'd') {
        kind = 'd';
    } else if (x.itemsize == 8 && f[1] == '\0' && (f[0] == 'q' || f[0] == 'l')) {
        kind = 'q';
    }
    if (x.ndim != 2 || kind == 0) {
        PyErr_Format(PyExc_TypeError,
                     "X must be a 2-D float64 or int64 array; found %d dimension(s) of format "
                     "'%s'. Convert it with np.asarray(X, dtype=np.float64).",
                     x.ndim, x.format ? x.format : "B");
        goto done;
    }
    Py_ssize_t rows = x.shape[0], k = x.shape[1];
    if (start < 0 || stop < start || stop > rows) {
        PyErr_Format(PyExc_ValueError,
                     "rows [start, stop) = [%zd, %zd) are not within the %zd rows of X; "
                     "need 0 <= start <= stop <= %zd.", start, stop, rows, rows);
        goto done;
    }
    if (!check_out(&g, "gram", "d", 8, k, k) || !check_out(&c, "counts", "ql", 8, k, 256)) {
        goto done;
    }
    Py_ssize_t kp = (k + 3) / 4 * 4;  /* columns rounded up to whole tiles */
    buf = PyMem_Calloc((size_t)(kp * LD + (k > 0 ? k : 1) * BLOCK), sizeof(int16_t));
    acc = PyMem_Calloc((size_t)(k > 0 ? k * k : 1), sizeof(int64_t));
    int64_t *counts = PyMem_Calloc((size_t)(k > 0 ? k * 256 : 1), sizeof(int64_t));
    if (buf == NULL || acc == NULL || counts == NULL) {
        PyMem_Free(counts);
        PyErr_NoMemory();
        goto done;
    }
    int exact;
    Py_BEGIN_ALLOW_THREADS
    exact = moments((const char *)x.buf, kind, x.strides[0], x.strides[1], start, stop, k, kp,
                    buf, buf + kp * LD, acc, counts);
    Py_END_ALLOW_THREADS
    if (exact) {
        double *gram = (double *)g.buf;
        int64_t *cout = (int64_t *)c.buf;
        for (Py_ssize_t i = 0; i < k; i++) {
            for (Py_ssize_t j = i; j < k; j++) {
                gram[i * k + j] = gram[j * k + i] = (double)acc[i * k + j];
            }
        }
        memcpy(cout, counts, sizeof(int64_t) * (size_t)k * 256);
    }
    PyMem_Free(counts);
    result = PyBool_FromLong(exact);
done:
    PyMem_Free(buf);
    PyMem_Free(acc);
    PyBuffer_Release(&x);
    PyBuffer_Release(&g);
    PyBuffer_Release(&c);
    return result;
}

static PyMethodDef methods[] = {
    {"complete_moments", complete_moments, METH_VARARGS,
     "complete_moments(X, start, stop, gram, counts) -> bool\n\n"
     "Exact X'X (into gram, k x k float64) and per-column code counts (into counts,\n"
     "k x 256 int64, index code + 128) of rows [start, stop) of a 2-D float64 or int64\n"
     "matrix when every value there is an integer in [-128, 127]; False otherwise."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_alpha_ext",
    "One-pass exact moments of integer-coded item answers (satscore.cronbach_alpha).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__alpha_ext(void) { return PyModule_Create(&module); }
