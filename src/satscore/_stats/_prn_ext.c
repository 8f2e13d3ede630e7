/*
 * satscore._prn_ext -- batched SHA-256 for permanent random numbers (PRNs).
 *
 * For every customer i the PRN is
 *
 *     u_i = (first 8 bytes of SHA-256(salt || id_i), read big-endian) >> 11, times 2**-53
 *
 * exactly as defined in satscore/_prn.py (prn_reference computes it with hashlib).
 *
 * SHA-256 follows FIPS 180-4. The salt's whole 64-byte blocks are compressed once (the
 * "midstate"); each id then only needs the salt's leftover bytes, its own bytes, the
 * padding and the bit length (usually a single block).
 *
 * Two compression functions, chosen at run time:
 *   - SHA-NI: the x86 SHA extensions (SHA256RNDS2 does two rounds, SHA256MSG1/MSG2 the
 *     message schedule), compiled with GCC/Clang on x86-64 only and used when CPUID
 *     reports SHA, SSSE3 and SSE4.1; two ids are compressed at a time, interleaved;
 *   - portable C: the FIPS 180-4 rounds as written in the standard (every other CPU and
 *     compiler, e.g. ARM, MSVC).
 *
 * Arrays arrive through the buffer protocol (no numpy C API). The hashing loop runs
 * without the GIL, so Python threads can hash disjoint row ranges in parallel.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

/* (define SATSCORE_NO_SHA_NI to build the portable path only, e.g. to test that build) */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) &&                    \
    !defined(SATSCORE_NO_SHA_NI)
#define SATSCORE_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define SATSCORE_SHA_NI 0
#endif

/* ------------------------------------------------------------------------------------ */
/* SHA-256 constants (FIPS 180-4, sections 4.2.2 and 5.3.3)                             */
/* ------------------------------------------------------------------------------------ */

/* Round constants K[0..63]; 16-byte aligned so SHA-NI can load four at a time. */
#if defined(_MSC_VER)
__declspec(align(16))
#endif
static const uint32_t K256[64]
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((aligned(16)))
#endif
    = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
};

/* Initial hash value H(0). */
static const uint32_t H256[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* Compress n_blocks consecutive 64-byte blocks into state[0..7] (= a..h). */
typedef void (*compress_fn)(uint32_t state[8], const uint8_t *blocks, size_t n_blocks);

/* ------------------------------------------------------------------------------------ */
/* Portable compression (FIPS 180-4, section 6.2.2)                                     */
/* ------------------------------------------------------------------------------------ */

#define ROTR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x) (ROTR32(x, 2) ^ ROTR32(x, 13) ^ ROTR32(x, 22))  /* Sigma0 */
#define BSIG1(x) (ROTR32(x, 6) ^ ROTR32(x, 11) ^ ROTR32(x, 25))  /* Sigma1 */
#define SSIG0(x) (ROTR32(x, 7) ^ ROTR32(x, 18) ^ ((x) >> 3))     /* sigma0 */
#define SSIG1(x) (ROTR32(x, 17) ^ ROTR32(x, 19) ^ ((x) >> 10))   /* sigma1 */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))          /* = (x & y) ^ (~x & z) */
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))  /* = (x&y) ^ (x&z) ^ (y&z) */

/*
 * Round t (FIPS 180-4 6.2.2 step 3) without moving the eight working variables: the
 * round writes the new e into d's variable and the new a into h's variable, and the
 * next round is called with the names rotated by one place.
 */
#define ROUND(a, b, c, d, e, f, g, h, t)                                                  \
    do {                                                                                  \
        const uint32_t t1_ = (h) + BSIG1(e) + CH(e, f, g) + K256[t] + w[t];               \
        (d) += t1_;                                                                       \
        (h) = t1_ + BSIG0(a) + MAJ(a, b, c);                                              \
    } while (0)

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
           (uint32_t)p[3];
}

static void store_be64(uint8_t *p, uint64_t v)
{
    for (int k = 7; k >= 0; k--) {
        p[k] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

static void compress_portable(uint32_t state[8], const uint8_t *blocks, size_t n_blocks)
{
    uint32_t w[64];
    for (size_t blk = 0; blk < n_blocks; blk++, blocks += 64) {
        /* 1. message schedule W[0..63] */
        for (int t = 0; t < 16; t++) {
            w[t] = load_be32(blocks + 4 * t);
        }
        for (int t = 16; t < 64; t++) {
            w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];
        }
        /* 2.-3. working variables and the 64 rounds */
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int t = 0; t < 64; t += 8) {
            ROUND(a, b, c, d, e, f, g, h, t);
            ROUND(h, a, b, c, d, e, f, g, t + 1);
            ROUND(g, h, a, b, c, d, e, f, t + 2);
            ROUND(f, g, h, a, b, c, d, e, t + 3);
            ROUND(e, f, g, h, a, b, c, d, t + 4);
            ROUND(d, e, f, g, h, a, b, c, t + 5);
            ROUND(c, d, e, f, g, h, a, b, t + 6);
            ROUND(b, c, d, e, f, g, h, a, t + 7);
        }
        /* 4. intermediate hash value */
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}

/* ------------------------------------------------------------------------------------ */
/* SHA-NI compression (x86-64, GCC/Clang)                                               */
/* ------------------------------------------------------------------------------------ */
#if SATSCORE_SHA_NI

#define SHA_NI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/*
 * Register layout used by SHA256RNDS2 (Intel SHA extensions): one register holds
 * {A, B, E, F} (A in the highest 32-bit lane, F in the lowest), the other {C, D, G, H}.
 * _mm_sha256rnds2_epu32(cdgh, abef, wk) runs two rounds with W[t]+K[t] in lane 0 and
 * W[t+1]+K[t+1] in lane 1 of wk and returns the new {A, B, E, F}; after two rounds the
 * old {A, B, E, F} is exactly the new {C, D, G, H}, so the two registers swap roles.
 *
 * The schedule works on four words per register, msg[j] holding W[4j..4j+3] (W[4j] in
 * lane 0). For j >= 4:
 *   SHA256MSG1(W[4j-16..4j-13], W[4j-12..])   -> W[t-16] + sigma0(W[t-15])
 *   + W[4j-7..4j-4] (lanes taken across msg[j-2] and msg[j-1] by PALIGNR)
 *   SHA256MSG2(that, W[4j-4..4j-1])           -> + sigma1(W[t-2]), lane by lane
 *
 * `lanes` (1 or 2) independent messages are compressed together, their instructions
 * interleaved: each SHA256RNDS2 waits for the previous one of its own message, so a
 * second message keeps the SHA unit busy in those gaps (measured: 84 -> 59 ns per block
 * on this Xeon). Inlined with a constant `lanes`, every loop unrolls and the arrays live
 * in registers.
 */
SHA_NI_TARGET static inline __attribute__((always_inline)) void
shani_lanes(uint32_t *const state[], const uint8_t *const blocks[], size_t n_blocks,
            const int lanes)
{
    /* byte shuffle turning each little-endian lane into the big-endian message word */
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i abef[2], cdgh[2], abef_in[2], cdgh_in[2], msg[2][4];

    for (int s = 0; s < lanes; s++) {
        const uint32_t *st = state[s];
        abef[s] = _mm_set_epi32((int)st[0], (int)st[1], (int)st[4], (int)st[5]);
        cdgh[s] = _mm_set_epi32((int)st[2], (int)st[3], (int)st[6], (int)st[7]);
    }
    for (size_t blk = 0; blk < n_blocks; blk++) {
        for (int s = 0; s < lanes; s++) {
            abef_in[s] = abef[s];
            cdgh_in[s] = cdgh[s];
        }
#if defined(__clang__)
#pragma clang loop unroll(full)
#else
#pragma GCC unroll 16
#endif
        for (int j = 0; j < 16; j++) {
            const __m128i k = _mm_load_si128((const __m128i *)(const void *)(K256 + 4 * j));
            for (int s = 0; s < lanes; s++) {
                __m128i *w = msg[s], m;
                if (j < 4) {
                    const uint8_t *src = blocks[s] + 64 * blk + 16 * j;
                    m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)src),
                                         bswap);
                }
                else {
                    m = _mm_sha256msg1_epu32(w[j & 3], w[(j + 1) & 3]); /* j-4, j-3 */
                    m = _mm_add_epi32(m, _mm_alignr_epi8(w[(j + 3) & 3], w[(j + 2) & 3], 4));
                    m = _mm_sha256msg2_epu32(m, w[(j + 3) & 3]); /* j-1 */
                }
                w[j & 3] = m;
                __m128i wk = _mm_add_epi32(m, k);
                cdgh[s] = _mm_sha256rnds2_epu32(cdgh[s], abef[s], wk); /* rounds 4j, 4j+1 */
                wk = _mm_shuffle_epi32(wk, 0x0e);                      /* lanes 2,3 -> 0,1 */
                abef[s] = _mm_sha256rnds2_epu32(abef[s], cdgh[s], wk); /* rounds 4j+2, 4j+3 */
                /* (the names swapped roles twice: abef is {A,B,E,F} again) */
            }
        }
        for (int s = 0; s < lanes; s++) {
            abef[s] = _mm_add_epi32(abef[s], abef_in[s]);
            cdgh[s] = _mm_add_epi32(cdgh[s], cdgh_in[s]);
        }
    }

    for (int s = 0; s < lanes; s++) {
        uint32_t v[4], *st = state[s];
        _mm_storeu_si128((__m128i *)(void *)v, abef[s]);
        st[0] = v[3];
        st[1] = v[2];
        st[4] = v[1];
        st[5] = v[0];
        _mm_storeu_si128((__m128i *)(void *)v, cdgh[s]);
        st[2] = v[3];
        st[3] = v[2];
        st[6] = v[1];
        st[7] = v[0];
    }
}

SHA_NI_TARGET static void compress_shani(uint32_t state[8], const uint8_t *blocks,
                                         size_t n_blocks)
{
    uint32_t *const st[1] = {state};
    const uint8_t *const data[1] = {blocks};
    shani_lanes(st, data, n_blocks, 1);
}

SHA_NI_TARGET static void compress2_shani(uint32_t state0[8], uint32_t state1[8],
                                          const uint8_t *blocks0, const uint8_t *blocks1,
                                          size_t n_blocks)
{
    uint32_t *const st[2] = {state0, state1};
    const uint8_t *const data[2] = {blocks0, blocks1};
    shani_lanes(st, data, n_blocks, 2);
}

/* CPUID: SSSE3 = leaf 1 ECX bit 9, SSE4.1 = leaf 1 ECX bit 19, SHA = leaf 7 EBX bit 29. */
static int cpu_has_sha_ni(void)
{
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
        return 0;
    }
    if (!(ecx & (1u << 9)) || !(ecx & (1u << 19))) {
        return 0;
    }
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
        return 0;
    }
    return (ebx >> 29) & 1u;
}

#else
static int cpu_has_sha_ni(void) { return 0; }
#endif /* SATSCORE_SHA_NI */

static int have_sha_ni = 0; /* set once at import */

/* Two messages of the same block count at once (interleaved on SHA-NI). */
typedef void (*compress2_fn)(uint32_t state0[8], uint32_t state1[8], const uint8_t *blocks0,
                             const uint8_t *blocks1, size_t n_blocks);

static void compress2_portable(uint32_t state0[8], uint32_t state1[8], const uint8_t *blocks0,
                               const uint8_t *blocks1, size_t n_blocks)
{
    compress_portable(state0, blocks0, n_blocks);
    compress_portable(state1, blocks1, n_blocks);
}

typedef struct {
    compress_fn one;
    compress2_fn two;
} sha_kernel;

static sha_kernel pick_kernel(int portable)
{
    sha_kernel kernel = {compress_portable, compress2_portable};
#if SATSCORE_SHA_NI
    if (have_sha_ni && !portable) {
        kernel.one = compress_shani;
        kernel.two = compress2_shani;
    }
#else
    (void)portable;
#endif
    return kernel;
}

/* ------------------------------------------------------------------------------------ */
/* salt || message hashing                                                              */
/* ------------------------------------------------------------------------------------ */

/* The salt, compressed as far as its whole blocks go. */
typedef struct {
    uint32_t mid[8];   /* state after the salt's whole 64-byte blocks */
    uint8_t tail[64];  /* the salt's remaining bytes */
    size_t tail_len;   /* 0..63 */
    uint64_t salt_len; /* salt length in bytes */
} salt_prefix;

static void prefix_init(salt_prefix *p, const uint8_t *salt, size_t len, compress_fn compress)
{
    size_t whole = len / 64;
    memcpy(p->mid, H256, sizeof p->mid);
    compress(p->mid, salt, whole);
    p->tail_len = len - 64 * whole;
    memcpy(p->tail, salt + 64 * whole, p->tail_len);
    p->salt_len = (uint64_t)len;
}

/* SHA-256 state of salt || msg (all blocks, padding and length included; FIPS 180-4 5.1.1). */
static void hash_with_prefix(const salt_prefix *p, const uint8_t *msg, size_t len,
                             compress_fn compress, uint32_t state[8])
{
    uint8_t buf[128];
    const uint64_t bits = 8 * (p->salt_len + (uint64_t)len);
    size_t pos = p->tail_len;

    memcpy(state, p->mid, 8 * sizeof(uint32_t));
    memcpy(buf, p->tail, pos);
    while (len > 0) { /* stream the message through a one-block buffer */
        size_t take = 64 - pos < len ? 64 - pos : len;
        memcpy(buf + pos, msg, take);
        pos += take;
        msg += take;
        len -= take;
        if (pos == 64) {
            compress(state, buf, 1);
            pos = 0;
        }
    }
    /* padding: 0x80, zeros, 64-bit big-endian bit length; one or two final blocks */
    buf[pos++] = 0x80;
    size_t end = pos <= 56 ? 64 : 128;
    memset(buf + pos, 0, end - 8 - pos);
    store_be64(buf + end - 8, bits);
    compress(state, buf, end / 64);
}

/*
 * salt tail || message || padding for messages that fit in two blocks (the usual case).
 * Everything but the message bytes depends only on the message length, so the buffer
 * is re-laid-out only when the length changes (ids of one length: one memcpy per id).
 */
typedef struct {
    uint8_t buf[128];
    size_t len;      /* message length the layout is for (SIZE_MAX: none yet) */
    size_t n_blocks; /* 1 or 2 */
} short_message;

/* Put msg into m; return its block count (1 or 2), or 0 if it needs more than two. */
static size_t pad_short(const salt_prefix *p, short_message *m, const uint8_t *msg, size_t len)
{
    if (len != m->len) {
        const size_t used = p->tail_len + len; /* bytes before the 0x80 */
        if (len > 128 || used + 9 > 128) {
            return 0;
        }
        const size_t end = used + 9 <= 64 ? 64 : 128;
        memcpy(m->buf, p->tail, p->tail_len);
        m->buf[used] = 0x80;
        memset(m->buf + used + 1, 0, end - 8 - (used + 1));
        store_be64(m->buf + end - 8, 8 * (p->salt_len + (uint64_t)len));
        m->len = len;
        m->n_blocks = end / 64;
    }
    memcpy(m->buf + p->tail_len, msg, len);
    return m->n_blocks;
}

/* PRN of a final state: top 53 bits of the first 64 digest bits, times 2**-53 (exact). */
static double to_unit(const uint32_t state[8])
{
    const uint64_t top = (((uint64_t)state[0] << 32) | state[1]) >> 11;
    return (double)top * (1.0 / 9007199254740992.0);
}

/*
 * u[i] for i in [start, stop): consecutive ids of the same (short) block count go two at
 * a time through kernel.two, the others one by one. Returns -1, or the first index whose
 * length is outside 0..width (the rows before it are done). Runs without the GIL.
 */
static Py_ssize_t prn_range(const salt_prefix *p, sha_kernel kernel, const uint8_t *rows,
                            Py_ssize_t width, const int64_t *lens, double *u, Py_ssize_t start,
                            Py_ssize_t stop)
{
    short_message m0, m1;
    uint32_t st0[8], st1[8];
    m0.len = m1.len = SIZE_MAX;
    Py_ssize_t i = start;
    while (i < stop) {
        const int64_t len0 = lens[i];
        if (len0 < 0 || len0 > (int64_t)width) {
            return i;
        }
        const size_t nb0 = pad_short(p, &m0, rows + i * width, (size_t)len0);
        if (nb0 > 0 && i + 1 < stop) {
            const int64_t len1 = lens[i + 1];
            if (len1 < 0 || len1 > (int64_t)width) {
                return i + 1;
            }
            if (pad_short(p, &m1, rows + (i + 1) * width, (size_t)len1) == nb0) {
                memcpy(st0, p->mid, sizeof st0);
                memcpy(st1, p->mid, sizeof st1);
                kernel.two(st0, st1, m0.buf, m1.buf, nb0);
                u[i] = to_unit(st0);
                u[i + 1] = to_unit(st1);
                i += 2;
                continue;
            }
        }
        hash_with_prefix(p, rows + i * width, (size_t)len0, kernel.one, st0);
        u[i] = to_unit(st0);
        i += 1;
    }
    return -1;
}

/* ------------------------------------------------------------------------------------ */
/* Buffer checks                                                                        */
/* ------------------------------------------------------------------------------------ */

/* Single type code of a native-order struct format ('\0' if not one plain code). */
static char format_code(const char *fmt)
{
    if (fmt == NULL) {
        return 'B'; /* PEP 3118: NULL means unsigned bytes */
    }
    if (*fmt == '@' || *fmt == '=') {
        fmt++;
    }
    else if (*fmt == '<' || *fmt == '>' || *fmt == '!') {
        const uint16_t one = 1;
        const int little = *(const uint8_t *)&one == 1;
        if ((*fmt == '<') != little) {
            return '\0'; /* non-native byte order */
        }
        fmt++;
    }
    return (fmt[0] != '\0' && fmt[1] == '\0') ? fmt[0] : '\0';
}

/*
 * Get a C-contiguous buffer of `ndim` dimensions whose items match `codes` (a set of
 * struct codes) and `itemsize`; raise TypeError/ValueError naming `name` otherwise.
 */
static int get_array(PyObject *obj, Py_buffer *view, const char *name, int ndim,
                     const char *codes, Py_ssize_t itemsize, const char *dtype, int writable)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_RECORDS_RO) < 0) {
        PyErr_Format(PyExc_TypeError,
                     "%s must be a %s array supporting the buffer protocol; found %.100s. "
                     "Pass a numpy array.",
                     name, dtype, Py_TYPE(obj)->tp_name);
        return -1;
    }
    const char code = format_code(view->format);
    if (code == '\0' || strchr(codes, code) == NULL || view->itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError,
                     "%s must hold %s items; found format '%s' with itemsize %zd. "
                     "Convert it with np.ascontiguousarray(%s, dtype=np.%s).",
                     name, dtype, view->format ? view->format : "B", view->itemsize, name,
                     dtype);
        goto fail;
    }
    if (view->ndim != ndim) {
        PyErr_Format(PyExc_ValueError, "%s must be %d-dimensional; found %d dimension(s).",
                     name, ndim, view->ndim);
        goto fail;
    }
    if (!PyBuffer_IsContiguous(view, 'C')) {
        PyErr_Format(PyExc_ValueError,
                     "%s must be C-contiguous; found a strided view. "
                     "Pass np.ascontiguousarray(%s).",
                     name, name);
        goto fail;
    }
    if (writable && view->readonly) {
        PyErr_Format(PyExc_ValueError, "%s is read-only; pass a writable %s array.", name,
                     dtype);
        goto fail;
    }
    return 0;
fail:
    PyBuffer_Release(view);
    return -1;
}

/* ------------------------------------------------------------------------------------ */
/* Python functions                                                                     */
/* ------------------------------------------------------------------------------------ */

PyDoc_STRVAR(prn_batch_doc,
"prn_batch(salt, codes, lengths, out, start=0, stop=None, *, portable=False)\n"
"--\n\n"
"Fill out[start:stop] with the PRNs of ids start..stop-1.\n\n"
"salt: bytes-like (the UTF-8 salt). codes: C-contiguous uint8 array (n, width), row i\n"
"holding id i's UTF-8 bytes left-aligned. lengths: C-contiguous int64 array (n,), the\n"
"byte length of each id (0 <= lengths[i] <= width). out: writable C-contiguous float64\n"
"array (n,). out[i] = (first 8 bytes of SHA-256(salt + id_i), big-endian) >> 11, times\n"
"2**-53. The GIL is released while hashing. portable=True forces the portable C\n"
"compression even when the CPU has SHA-NI.");

static PyObject *prn_batch(PyObject *Py_UNUSED(self), PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"salt", "codes", "lengths", "out", "start", "stop", "portable",
                             NULL};
    Py_buffer salt = {0}, codes = {0}, lengths = {0}, out = {0};
    PyObject *codes_obj, *lengths_obj, *out_obj, *stop_obj = Py_None, *result = NULL;
    Py_ssize_t start = 0, stop;
    int portable = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*OOO|nO$p:prn_batch", kwlist, &salt,
                                     &codes_obj, &lengths_obj, &out_obj, &start, &stop_obj,
                                     &portable)) {
        return NULL;
    }
    if (get_array(codes_obj, &codes, "codes", 2, "B", 1, "uint8", 0) < 0) {
        goto done;
    }
    if (get_array(lengths_obj, &lengths, "lengths", 1, "ql", 8, "int64", 0) < 0) {
        goto done;
    }
    if (get_array(out_obj, &out, "out", 1, "d", 8, "float64", 1) < 0) {
        goto done;
    }
    const Py_ssize_t n = codes.shape[0], width = codes.shape[1];
    if (lengths.shape[0] != n || out.shape[0] != n) {
        PyErr_Format(PyExc_ValueError,
                     "lengths and out must have one entry per row of codes (%zd); "
                     "found len(lengths) = %zd, len(out) = %zd.",
                     n, lengths.shape[0], out.shape[0]);
        goto done;
    }
    if (stop_obj == Py_None) {
        stop = n;
    }
    else {
        stop = PyNumber_AsSsize_t(stop_obj, PyExc_OverflowError);
        if (stop == -1 && PyErr_Occurred()) {
            goto done;
        }
    }
    if (start < 0 || stop < start || stop > n) {
        PyErr_Format(PyExc_ValueError,
                     "need 0 <= start <= stop <= n = %zd; found start = %zd, stop = %zd.", n,
                     start, stop);
        goto done;
    }

    const int64_t *lens = (const int64_t *)lengths.buf;
    const sha_kernel kernel = pick_kernel(portable);
    Py_ssize_t bad;
    salt_prefix prefix;

    Py_BEGIN_ALLOW_THREADS
    prefix_init(&prefix, (const uint8_t *)salt.buf, (size_t)salt.len, kernel.one);
    bad = prn_range(&prefix, kernel, (const uint8_t *)codes.buf, width, lens, (double *)out.buf,
                    start, stop);
    Py_END_ALLOW_THREADS

    if (bad >= 0) {
        PyErr_Format(PyExc_ValueError,
                     "lengths[%zd] = %lld is outside 0..%zd (the width of codes); every "
                     "length must fit in its row.",
                     bad, (long long)lens[bad], width);
        goto done;
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&salt);
    if (codes.obj) {
        PyBuffer_Release(&codes);
    }
    if (lengths.obj) {
        PyBuffer_Release(&lengths);
    }
    if (out.obj) {
        PyBuffer_Release(&out);
    }
    return result;
}

PyDoc_STRVAR(sha256_doc,
"sha256(salt, message, *, portable=False)\n"
"--\n\n"
"The 32-byte SHA-256 digest of salt + message, computed like prn_batch computes an id\n"
"that is hashed on its own: salt midstate, then the message streamed block by block\n"
"(for tests against hashlib).");

static PyObject *sha256(PyObject *Py_UNUSED(self), PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"salt", "message", "portable", NULL};
    Py_buffer salt = {0}, message = {0};
    int portable = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*y*|$p:sha256", kwlist, &salt, &message,
                                     &portable)) {
        return NULL;
    }
    const compress_fn compress = pick_kernel(portable).one;
    salt_prefix prefix;
    uint32_t state[8];
    uint8_t digest[32];
    prefix_init(&prefix, (const uint8_t *)salt.buf, (size_t)salt.len, compress);
    hash_with_prefix(&prefix, (const uint8_t *)message.buf, (size_t)message.len, compress,
                     state);
    for (int k = 0; k < 8; k++) {
        digest[4 * k] = (uint8_t)(state[k] >> 24);
        digest[4 * k + 1] = (uint8_t)(state[k] >> 16);
        digest[4 * k + 2] = (uint8_t)(state[k] >> 8);
        digest[4 * k + 3] = (uint8_t)state[k];
    }
    PyBuffer_Release(&salt);
    PyBuffer_Release(&message);
    return PyBytes_FromStringAndSize((const char *)digest, 32);
}

PyDoc_STRVAR(has_sha_ni_doc,
"has_sha_ni()\n"
"--\n\n"
"True when this build has the SHA-NI kernel and the CPU supports it (it is then the\n"
"default path).");

static PyObject *has_sha_ni(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(have_sha_ni);
}

static PyMethodDef methods[] = {
    {"prn_batch", (PyCFunction)(void (*)(void))prn_batch, METH_VARARGS | METH_KEYWORDS,
     prn_batch_doc},
    {"sha256", (PyCFunction)(void (*)(void))sha256, METH_VARARGS | METH_KEYWORDS, sha256_doc},
    {"has_sha_ni", has_sha_ni, METH_NOARGS, has_sha_ni_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "_prn_ext",
    "Batched SHA-256 permanent random numbers (SHA-NI when available, portable C otherwise).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__prn_ext(void)
{
    have_sha_ni = cpu_has_sha_ni();
    PyObject *m = PyModule_Create(&module);
#ifdef Py_GIL_DISABLED
    /* free-threaded builds: no shared mutable state (have_sha_ni is fixed per process) */
    if (m != NULL && PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#endif
    return m;
}
