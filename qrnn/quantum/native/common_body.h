/* Shared pieces of one precision of the kernels: vectors, work space, splitting a state
 * into planar arrays and interleaving it back (with the entangler folded in).
 * statevector_kernels.c includes this file, then layers_body.h and readout_body.h, once per
 * precision with REAL (float or double), VL (lanes of one 64-byte vector), TILE_BITS,
 * FLIP (swap lanes j and j ^ d of a vector) and NAME (the suffix).
 *
 * Layout. The caller's states are batch x 2**n complex numbers, interleaved (re, im),
 * qubit 0 the most significant bit of the index (qrnn/quantum/statevector.py). Each
 * batch element is first split into planar real and imaginary arrays in a per-thread
 * scratch buffer (a single 2**14-amplitude element is 128 KiB in float: it stays in L2),
 * the work is done there, and the result is interleaved back into the output. The
 * entangler's permutation or signs are applied while splitting or interleaving, so they
 * cost no pass of their own.
 *
 * Qubits. An operator on qubit k pairs amplitudes whose indices differ in bit
 * d = 2**(n-1-k). Pairs further apart than a vector (d >= VL) are whole vectors; for
 * d < VL the partner of every lane sits in the same vector and one lane shuffle (FLIP)
 * brings it alongside. Qubits with d < 2**TILE_BITS are handled one tile (a block of
 * 2**TILE_BITS amplitudes, 16 KiB of re + im: L1) at a time, all of them before the next
 * tile is touched; the few qubits above the tile run over the whole element.
 *
 * Sums (readouts, gate gradients) run over 2**(n-1) products: they are accumulated in
 * REAL vectors over at most FLUSH vectors, then added lane by lane into double vectors
 * (WIDE), whose lanes are summed once per element; float partial sums of full length
 * would lose digits.
 */

typedef REAL NAME(vec) __attribute__((vector_size(VL * sizeof(REAL))));
#define VEC NAME(vec)

static inline VEC NAME(splat)(REAL x) { return (VEC){0} + x; }

static inline VEC *NAME(at)(REAL *p) { return (VEC *)__builtin_assume_aligned(p, VL * sizeof(REAL)); }

/* Per-thread planar work space: 6 arrays of 2**n reals (two planar states and a spare). */
static __thread REAL *NAME(scratch_data) = 0;
static __thread int64_t NAME(scratch_length) = 0;

static REAL *NAME(scratch)(int64_t length) {
    if (length > NAME(scratch_length)) {
        free(NAME(scratch_data));
        size_t bytes = ((size_t)length * sizeof(REAL) + 63) / 64 * 64;
        NAME(scratch_data) = aligned_alloc(64, bytes);
        NAME(scratch_length) = NAME(scratch_data) ? length : 0;
    }
    return NAME(scratch_data);
}

#define FLUSH 16
typedef double NAME(wide) __attribute__((vector_size(VL * sizeof(double))));
#define WIDE NAME(wide)
#define WIDEN(x) __builtin_convertvector((x), WIDE)

/* ---- splitting and interleaving, with the entangler folded in ------------------------ */

/* re[i] + i im[i] = sign[i] * x[index[i]] (index and sign optional). */
static void NAME(split)(const REAL *x, REAL *re, REAL *im, int64_t length, const int64_t *index, const REAL *sign) {
    if (index) {
        for (int64_t i = 0; i < length; i++) { int64_t j = index[i]; re[i] = x[2 * j]; im[i] = x[2 * j + 1]; }
    } else {
        for (int64_t i = 0; i < length; i++) { re[i] = x[2 * i]; im[i] = x[2 * i + 1]; }
    }
    if (sign)
        for (int64_t i = 0; i < length; i++) { re[i] *= sign[i]; im[i] *= sign[i]; }
}

/* y[i] = sign[i] * (re + i im)[index[i]] (index and sign optional). */
static void NAME(join)(const REAL *re, const REAL *im, REAL *y, int64_t length, const int64_t *index, const REAL *sign) {
    if (index) {
        for (int64_t i = 0; i < length; i++) { int64_t j = index[i]; y[2 * i] = re[j]; y[2 * i + 1] = im[j]; }
    } else if (sign) {
        for (int64_t i = 0; i < length; i++) { y[2 * i] = sign[i] * re[i]; y[2 * i + 1] = sign[i] * im[i]; }
    } else {
        for (int64_t i = 0; i < length; i++) { y[2 * i] = re[i]; y[2 * i + 1] = im[i]; }
    }
}

/* Planar to planar: destination[i] = sign[i] * source[index[i]]. */
static void NAME(permute)(const REAL *re, const REAL *im, REAL *out_re, REAL *out_im, int64_t length, const int64_t *index,
                          const REAL *sign) {
    for (int64_t i = 0; i < length; i++) {
        int64_t j = index ? index[i] : i;
        REAL s = sign ? sign[i] : 1;
        out_re[i] = s * re[j];
        out_im[i] = s * im[j];
    }
}

/* Per-lane coefficients for a qubit inside the vector: lanes whose bit is 0 take
 * (g00 on self, g01 on partner), lanes whose bit is 1 take (g11, g10). */
static void NAME(lane_coefficients)(int d, const REAL *g, VEC *self_r, VEC *self_i, VEC *other_r, VEC *other_i) {
    for (int j = 0; j < VL; j++) {
        int bit = (j & d) != 0;
        (*self_r)[j] = bit ? g[6] : g[0];
        (*self_i)[j] = bit ? g[7] : g[1];
        (*other_r)[j] = bit ? g[4] : g[2];
        (*other_i)[j] = bit ? g[5] : g[3];
    }
}

