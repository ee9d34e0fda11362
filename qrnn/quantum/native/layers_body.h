/* A step's layers: single-qubit gates on every qubit, each layer followed by the
 * entangler, and the backward pass. The qubits above the tile take 2 complex multiply-adds
 * per amplitude per qubit (arbitrary gates; the Kronecker blocks of the PyTorch path spend
 * 4 per qubit with 4-qubit blocks), those inside it half of that: their gates are real
 * rotations between two diagonals (see tile_factors). Included per precision after
 * common_body.h (see there).
 */

/* ---- one gate on one qubit --------------------------------------------------------------
 * g = (g00, g01, g10, g11) as 8 reals (re, im). */

static void NAME(gate_scalar)(REAL *re, REAL *im, int64_t length, int64_t d, const REAL *g) {
    for (int64_t base = 0; base < length; base += 2 * d)
        for (int64_t p = base; p < base + d; p++) {
            int64_t q = p + d;
            REAL x0r = re[p], x0i = im[p], x1r = re[q], x1i = im[q];
            re[p] = g[0] * x0r - g[1] * x0i + g[2] * x1r - g[3] * x1i;
            im[p] = g[0] * x0i + g[1] * x0r + g[2] * x1i + g[3] * x1r;
            re[q] = g[4] * x0r - g[5] * x0i + g[6] * x1r - g[7] * x1i;
            im[q] = g[4] * x0i + g[5] * x0r + g[6] * x1i + g[7] * x1r;
        }
}

/* Pull slice `slice` of `slices` of `bytes` at `address` into the caches (for writing if
 * `write`): spread over the tiles of one element's gates, the next element's input and
 * this element's output lines arrive while the arithmetic runs, instead of stalling the
 * split and the interleave that follow. */
static inline void NAME(prefetch_slice)(const void *address, int64_t bytes, int64_t slice, int64_t slices, int write) {
    if (!address) return;
    const char *start = (const char *)address + bytes * slice / slices, *stop = (const char *)address + bytes * (slice + 1) / slices;
    if (write)
        for (const char *p = start; p < stop; p += 64) __builtin_prefetch(p, 1, 2);
    else
        for (const char *p = start; p < stop; p += 64) __builtin_prefetch(p, 0, 2);
}

/* ---- qubits above the tile, up to three per pass ---------------------------------------
 * Qubits k0 .. k0+m-1 pair amplitudes across adjacent index bits, so the 2**m amplitudes an
 * m-qubit group mixes sit at p + t * low (t < 2**m, low = 2**(n-k0-m)): a pass loads those
 * 2**m vectors (from the interleaved input when `source` is given: the split costs no pass
 * of its own), applies the m gates in registers and stores them, one read and one write of
 * the element for up to three qubits instead of one per qubit. */

#define MAX_GROUP 3

static inline __attribute__((always_inline)) void NAME(gates_in_registers)(VEC *xr, VEC *xi, int m, const VEC *c) {
#pragma GCC unroll 4
    for (int j = 0; j < m; j++, c += 8) {
        int s = 1 << (m - 1 - j);
#pragma GCC unroll 8
        for (int t = 0; t < (1 << m); t++) {
            if (t & s) continue;
            VEC x0r = xr[t], x0i = xi[t], x1r = xr[t + s], x1i = xi[t + s];
            xr[t] = c[0] * x0r - c[1] * x0i + c[2] * x1r - c[3] * x1i;
            xi[t] = c[0] * x0i + c[1] * x0r + c[2] * x1i + c[3] * x1r;
            xr[t + s] = c[4] * x0r - c[5] * x0i + c[6] * x1r - c[7] * x1i;
            xi[t + s] = c[4] * x0i + c[5] * x0r + c[6] * x1i + c[7] * x1r;
        }
    }
}

static inline __attribute__((always_inline)) void NAME(group_pass)(REAL *re, REAL *im, const REAL *source, int64_t length, int k0,
                                                                    int m, const VEC *c) {
    int64_t low = length >> (k0 + m), block = length >> k0;
    VEC xr[1 << MAX_GROUP], xi[1 << MAX_GROUP];
    for (int64_t o = 0; o < length; o += block)
        for (int64_t p = o; p < o + low; p += VL) {
#pragma GCC unroll 8
            for (int t = 0; t < (1 << m); t++) {
                int64_t a = p + t * low;
                if (source) {
                    VEC u = NAME(load)(source + 2 * a), w = NAME(load)(source + 2 * a + VL);
                    xr[t] = EVEN(u, w);
                    xi[t] = ODD(u, w);
                } else {
                    xr[t] = *NAME(at)(re + a);
                    xi[t] = *NAME(at)(im + a);
                }
            }
            NAME(gates_in_registers)(xr, xi, m, c);
#pragma GCC unroll 8
            for (int t = 0; t < (1 << m); t++) {
                *NAME(at)(re + p + t * low) = xr[t];
                *NAME(at)(im + p + t * low) = xi[t];
            }
        }
}

/* Gates of qubits k0 .. k0+m-1 (m <= MAX_GROUP, each pair at least a vector apart). */
static void NAME(gate_group)(REAL *re, REAL *im, const REAL *source, int64_t length, int k0, int m, const REAL *gates) {
    VEC c[8 * MAX_GROUP];
    for (int j = 0; j < m; j++)
        for (int e = 0; e < 8; e++) c[8 * j + e] = NAME(splat)(gates[8 * (k0 + j) + e]);
    switch (2 * m + (source != 0)) {  /* constant m and source: the loops unroll, the vectors stay in registers */
        case 2: NAME(group_pass)(re, im, 0, length, k0, 1, c); break;
        case 3: NAME(group_pass)(re, im, source, length, k0, 1, c); break;
        case 4: NAME(group_pass)(re, im, 0, length, k0, 2, c); break;
        case 5: NAME(group_pass)(re, im, source, length, k0, 2, c); break;
        case 6: NAME(group_pass)(re, im, 0, length, k0, 3, c); break;
        default: NAME(group_pass)(re, im, source, length, k0, 3, c); break;
    }
}

/* ---- qubits inside the tile: real rotations between two diagonals --------------------------
 * Every gate of the engine is in SU(2), G = [[a, -conj(b)], [b, conj(a)]], and factors as
 * G = diag(u, v) RY diag(1, conj(u v)) with RY = [[c, -s], [s, c]], c = |a|, s = |b|,
 * u = a / c, v = b / s (u or v = 1 where c or s is 0). Diagonals on different qubits
 * commute with each other and with the gates of other qubits, so a tile's gates are: one
 * diagonal D_R (the product of every tile qubit's right factor), the real rotations, one
 * diagonal D_L. A real rotation costs half the multiply-adds of a complex gate, and the two
 * diagonals cost about two gates' worth for all the tile's qubits together.
 * A diagonal over the tile's bits is kept factored: a vector over the lane bits (lo) times a
 * number per vector of the tile (hi), multiplied together on the fly. */

typedef struct {
    REAL c[MAX_QUBITS], s[MAX_QUBITS];           /* the real rotations, per qubit */
    VEC lo_r[2], lo_i[2];                        /* [0]: D_R, [1]: D_L over the lane bits */
    REAL hi_r[2][1 << (TILE_BITS - 3)], hi_i[2][1 << (TILE_BITS - 3)];  /* over the vector bits (VL >= 8) */
} NAME(tile_factors);

typedef int64_t NAME(wide_bits) __attribute__((vector_size(VL * sizeof(double))));

/* The diagonal over `bits` <= log2(VL) index bits whose entry j is the product over b of
 * one[b] if bit b of j is set, else zero[b] (complex, as (re, im)): (r, i), lane j entry j
 * (lanes past 2**bits hold copies). */
static inline void NAME(diagonal_in_lanes)(const double (*zero)[2], const double (*one)[2], int bits, WIDE *r, WIDE *i) {
    WIDE xr = (WIDE){0} + 1, xi = (WIDE){0};
    for (int b = 0; b < bits; b++) {
        NAME(wide_bits) set;
        memcpy(&set, LANE_BIT_SET[b], sizeof set);
        NAME(wide_bits) zr = (NAME(wide_bits))((WIDE){0} + zero[b][0]), zi = (NAME(wide_bits))((WIDE){0} + zero[b][1]);
        NAME(wide_bits) o_r = (NAME(wide_bits))((WIDE){0} + one[b][0]), oi = (NAME(wide_bits))((WIDE){0} + one[b][1]);
        WIDE fr = (WIDE)((o_r & set) | (zr & ~set)), fi = (WIDE)((oi & set) | (zi & ~set));
        WIDE t = xr * fr - xi * fi;
        xi = xr * fi + xi * fr;
        xr = t;
    }
    *r = xr;
    *i = xi;
}

/* The same over `bits` > log2(VL) bits, into hi_r and hi_i (2**bits entries): the lane bits'
 * vector doubled whole vectors at a time. */
static void NAME(diagonal_in_vectors)(const double (*zero)[2], const double (*one)[2], int bits, REAL *hi_r, REAL *hi_i) {
    int lane_bits = __builtin_ctz(VL), vectors = 1;
    WIDE r[(1 << TILE_BITS) / VL / VL], i[(1 << TILE_BITS) / VL / VL];
    NAME(diagonal_in_lanes)(zero, one, lane_bits, r, i);
    for (int b = lane_bits; b < bits; b++, vectors *= 2)
        for (int v = 0; v < vectors; v++) {
            WIDE ar = r[v], ai = i[v];
            r[v + vectors] = ar * one[b][0] - ai * one[b][1];
            i[v + vectors] = ar * one[b][1] + ai * one[b][0];
            r[v] = ar * zero[b][0] - ai * zero[b][1];
            i[v] = ar * zero[b][1] + ai * zero[b][0];
        }
    for (int v = 0; v < vectors; v++) {
        NAME(store)(hi_r + v * VL, __builtin_convertvector(r[v], VEC));
        NAME(store)(hi_i + v * VL, __builtin_convertvector(i[v], VEC));
    }
}

/* Tile qubits k0 .. n-1 (tile_bits of them) into f from their factors (qrnn_gate_factors: c, s,
 * u, v as arrays `stride` apart, qubit 0 first), or those of their conjugate transposes if
 * `adjoint`: G = D_L RY(c, s) D_R gives G^H = D_R^H RY(c, -s) D_L^H, so the adjoint's factors
 * follow from the gate's without factoring again. Per qubit, D_R = diag(1, conj(u v)) and D_L =
 * diag(u, v); one[t] and zero[t] below are diagonal t's entries for the qubit's bit 1 and 0. */
static void NAME(factor_tile)(const double *factors, int64_t stride, int n, int tile_bits, int adjoint, NAME(tile_factors) *f) {
    const double *c = factors, *s = factors + stride, *ur = factors + 2 * stride, *ui = factors + 3 * stride,
                 *vr = factors + 4 * stride, *vi = factors + 5 * stride;
    for (int k = n - tile_bits; k < n; k++) {
        f->c[k] = (REAL)c[k];
        f->s[k] = (REAL)(adjoint ? -s[k] : s[k]);
    }
    /* Each diagonal, over the lane bits and over the vector bits, as Kronecker products of the
     * qubits' 2-entry diagonals (bit b of an index is qubit n-1-b's, then n-1-lane_bits-b's). */
    int lane_bits = __builtin_ctz(VL), vector_bits = tile_bits - lane_bits;
    double zero[2][MAX_QUBITS][2], one[2][MAX_QUBITS][2];
    for (int b = 0; b < tile_bits; b++) {
        int k = n - 1 - b;
        double uv_r = ur[k] * vr[k] - ui[k] * vi[k], uv_i = ur[k] * vi[k] + ui[k] * vr[k];
        if (adjoint) {  /* D_R^H <- D_L = diag(conj u, conj v), D_L^H <- D_R = diag(1, u v) */
            zero[0][b][0] = ur[k]; zero[0][b][1] = -ui[k]; one[0][b][0] = vr[k]; one[0][b][1] = -vi[k];
            zero[1][b][0] = 1; zero[1][b][1] = 0; one[1][b][0] = uv_r; one[1][b][1] = uv_i;
        } else {
            zero[0][b][0] = 1; zero[0][b][1] = 0; one[0][b][0] = uv_r; one[0][b][1] = -uv_i;
            zero[1][b][0] = ur[k]; zero[1][b][1] = ui[k]; one[1][b][0] = vr[k]; one[1][b][1] = vi[k];
        }
    }
    for (int t = 0; t < 2; t++) {
        WIDE r, i;
        NAME(diagonal_in_lanes)(zero[t], one[t], lane_bits, &r, &i);
        f->lo_r[t] = __builtin_convertvector(r, VEC);
        f->lo_i[t] = __builtin_convertvector(i, VEC);
        if (vector_bits > lane_bits) {
            NAME(diagonal_in_vectors)(zero[t] + lane_bits, one[t] + lane_bits, vector_bits, f->hi_r[t], f->hi_i[t]);
            continue;
        }
        NAME(diagonal_in_lanes)(zero[t] + lane_bits, one[t] + lane_bits, vector_bits, &r, &i);
        NAME(store)(f->hi_r[t], __builtin_convertvector(r, VEC));  /* a whole vector: the tables hold at least VL entries */
        NAME(store)(f->hi_i[t], __builtin_convertvector(i, VEC));
    }
}

/* D's entries for vector m of a tile (which = 0: D_R, 1: D_L). */
static inline void NAME(diagonal_at)(const NAME(tile_factors) *f, int which, int64_t m, VEC *wr, VEC *wi) {
    VEC hr = NAME(splat)(f->hi_r[which][m]), hi = NAME(splat)(f->hi_i[which][m]);
    *wr = hr * f->lo_r[which] - hi * f->lo_i[which];
    *wi = hr * f->lo_i[which] + hi * f->lo_r[which];
}

static inline void NAME(times)(VEC *xr, VEC *xi, VEC wr, VEC wi) {
    VEC r = wr * *xr - wi * *xi;
    *xi = wr * *xi + wi * *xr;
    *xr = r;
}

/* RY(c, s) on pairs a whole vector or more apart (d >= VL) of one tile, after x *= D_R when
 * `right` is given (the tile's first qubit: the diagonal costs no pass of its own). */
static inline __attribute__((always_inline)) void NAME(rotation_pairs)(REAL *re, REAL *im, int64_t length, int64_t d, REAL c_,
                                                                        REAL s_, const NAME(tile_factors) *right) {
    const VEC c = NAME(splat)(c_), s = NAME(splat)(s_);
    for (int64_t base = 0; base < length; base += 2 * d)
        for (int64_t p = base; p < base + d; p += VL) {
            VEC *pr = NAME(at)(re + p), *pi = NAME(at)(im + p), *qr = NAME(at)(re + p + d), *qi = NAME(at)(im + p + d);
            VEC x0r = *pr, x0i = *pi, x1r = *qr, x1i = *qi;
            if (right) {
                VEC wr, wi;
                NAME(diagonal_at)(right, 0, p / VL, &wr, &wi);
                NAME(times)(&x0r, &x0i, wr, wi);
                NAME(diagonal_at)(right, 0, (p + d) / VL, &wr, &wi);
                NAME(times)(&x1r, &x1i, wr, wi);
            }
            *pr = c * x0r - s * x1r;
            *pi = c * x0i - s * x1i;
            *qr = s * x0r + c * x1r;
            *qi = s * x0i + c * x1i;
        }
}

/* RY(c, s) on pairs inside a vector (d < VL) of one tile, then x *= D_L when `left` is
 * given (the tile's last qubit). */
static inline __attribute__((always_inline)) void NAME(rotation_lanes)(REAL *re, REAL *im, int64_t length, int d, REAL c_,
                                                                        REAL s_, const NAME(tile_factors) *left) {
    const VEC c = NAME(splat)(c_);
    VEC s;
    for (int j = 0; j < VL; j++) s[j] = (j & d) ? s_ : -s_;  /* y0 = c x0 - s x1, y1 = c x1 + s x0 */
    for (int64_t v = 0; v < length; v += VL) {
        VEC *pr = NAME(at)(re + v), *pi = NAME(at)(im + v);
        VEC xr = *pr, xi = *pi;
        VEC yr = c * xr + s * FLIP(xr, d), yi = c * xi + s * FLIP(xi, d);
        if (left) {
            VEC wr, wi;
            NAME(diagonal_at)(left, 1, v / VL, &wr, &wi);
            NAME(times)(&yr, &yi, wr, wi);
        }
        *pr = yr;
        *pi = yi;
    }
}

/* One pass over a tile: the real rotation of qubit k, with D_R before it if k is the
 * tile's first qubit and D_L after it if k is its last. (Two qubits per pass, four vectors
 * in registers, made the step no faster here.) */
static void NAME(tile_pass)(REAL *re, REAL *im, int64_t tile, int n, int tile_bits, const NAME(tile_factors) *f, int k) {
    int64_t d = (int64_t)1 << (n - 1 - k);
    if (d >= VL) {
        if (k == n - tile_bits) NAME(rotation_pairs)(re, im, tile, d, f->c[k], f->s[k], f);
        else NAME(rotation_pairs)(re, im, tile, d, f->c[k], f->s[k], 0);
        return;
    }
    if (k == n - tile_bits) {  /* a tile of no more qubits than a vector's lanes: D_R in a pass of its own */
        VEC wr, wi;
        for (int64_t v = 0; v < tile; v += VL) {
            NAME(diagonal_at)(f, 0, v / VL, &wr, &wi);
            NAME(times)(NAME(at)(re + v), NAME(at)(im + v), wr, wi);
        }
    }
#define LEFT(D) NAME(rotation_lanes)(re, im, tile, D, f->c[k], f->s[k], f)
#define NO_LEFT(D) NAME(rotation_lanes)(re, im, tile, D, f->c[k], f->s[k], 0)
    if (k == n - 1) WITH_LANE_DISTANCE(d, LEFT);
    else WITH_LANE_DISTANCE(d, NO_LEFT);
#undef LEFT
#undef NO_LEFT
}

/* Gates (8 reals each) of qubits 0 .. count-1 from their columns (qrnn_gate_columns: a.re,
 * a.im, b.re, b.im as arrays `stride` apart), or their conjugate transposes if `adjoint`:
 * G = [[a, -conj b], [b, conj a]], G^H = [[conj a, conj b], [-b, a]]. */
static void NAME(gates_from_columns)(const double *columns, int64_t stride, int count, int adjoint, REAL *gates) {
    const double *ar = columns, *ai = columns + stride, *br = columns + 2 * stride, *bi = columns + 3 * stride;
    for (int k = 0; k < count; k++) {
        REAL *g = gates + 8 * k, sign = adjoint ? -1 : 1;
        g[0] = (REAL)ar[k]; g[1] = (REAL)(sign * ai[k]);
        g[2] = (REAL)(-sign * br[k]); g[3] = (REAL)(sign * bi[k]);
        g[4] = (REAL)(sign * br[k]); g[5] = (REAL)(sign * bi[k]);
        g[6] = (REAL)ar[k]; g[7] = (REAL)(-sign * ai[k]);
    }
}

/* What apply_factored takes for one layer of one element (qubits 0 .. n-1 at `columns` and
 * `factors`, arrays `stride` apart), the layer's gates or (adjoint) their conjugate
 * transposes: gates of the qubits that take whole gates (every qubit below a vector, else
 * those above the tile) and the tile's factors. */
static void NAME(layer_setup)(const double *columns, const double *factors, int64_t stride, int n, int adjoint, REAL *gates,
                              NAME(tile_factors) *f) {
    int tile_bits = n < TILE_BITS ? n : TILE_BITS;
    if (((int64_t)1 << n) < VL) {
        NAME(gates_from_columns)(columns, stride, n, adjoint, gates);
        return;
    }
    NAME(gates_from_columns)(columns, stride, n - tile_bits, adjoint, gates);
    NAME(factor_tile)(factors, stride, n, tile_bits, adjoint, f);
}

/* Gate g on every qubit of one planar element of 2**n amplitudes, as layer_setup gives them
 * (the whole gates of the qubits that take them, gates: n x 8 reals, and the tile's factors),
 * prefetching `next` (an element's interleaved input, or NULL) for reading and `out` (an
 * element's interleaved output, or NULL) for writing on the way. With `source` (an
 * interleaved element, or NULL) the element is first split from there into (re, im). */
static void NAME(apply_factored)(REAL *re, REAL *im, int n, const REAL *gates, const NAME(tile_factors) *factors, const REAL *next,
                                 REAL *out, const REAL *source) {
    int64_t length = (int64_t)1 << n;
    int tile_bits = n < TILE_BITS ? n : TILE_BITS;
    if (length < VL || tile_bits == n) {
        if (source) NAME(deinterleave)(source, re, im, length);
        source = 0;
    }
    if (length < VL) {
        for (int k = 0; k < n; k++) NAME(gate_scalar)(re, im, length, (int64_t)1 << (n - 1 - k), gates + 8 * k);
        return;
    }
    for (int k = 0; k < n - tile_bits; k += MAX_GROUP) {
        int m = n - tile_bits - k < MAX_GROUP ? n - tile_bits - k : MAX_GROUP;
        NAME(gate_group)(re, im, k == 0 ? source : 0, length, k, m, gates);
    }
    int64_t tile = (int64_t)1 << tile_bits, bytes = 2 * length * (int64_t)sizeof(REAL);
    int64_t slices = (length / tile) * tile_bits, slice = 0;
    for (int64_t start = 0; start < length; start += tile)
        for (int k = n - tile_bits; k < n; k++, slice++) {
            NAME(prefetch_slice)(next, bytes, slice, slices, 0);
            NAME(prefetch_slice)(out, bytes, slice, slices, 1);
            NAME(tile_pass)(re + start, im + start, tile, n, tile_bits, factors, k);
        }
}

/* ---- correlations C_k[u][v] = sum a[index with bit k = u] conj(b[same index, bit k = v]) ----
 * Summed as the readouts are (common_body.h: REAL vectors over at most FLUSH vectors,
 * widened into WIDE ones, their lanes summed by reduce8 at the end of each pass).
 * out: n x 4 complex (C00, C01, C10, C11) as 8 doubles, added to. */


static void NAME(correlate_scalar)(const REAL *ar, const REAL *ai, const REAL *br, const REAL *bi, int n, double *out) {
    int64_t length = (int64_t)1 << n;
    for (int k = 0; k < n; k++) {
        int64_t d = (int64_t)1 << (n - 1 - k);
        double *c = out + 8 * k;
        for (int64_t base = 0; base < length; base += 2 * d)
            for (int64_t p = base; p < base + d; p++) {
                int64_t q = p + d;
                int64_t u[4] = {p, p, q, q}, v[4] = {p, q, p, q};
                for (int e = 0; e < 4; e++) {
                    c[2 * e] += (double)ar[u[e]] * br[v[e]] + (double)ai[u[e]] * bi[v[e]];
                    c[2 * e + 1] += (double)ai[u[e]] * br[v[e]] - (double)ar[u[e]] * bi[v[e]];
                }
            }
    }
}

/* Pairs of whole vectors (d >= VL) over [0, length): out[0..7] += (C00, C01, C10, C11). */
static void NAME(correlate_pairs)(const REAL *ar, const REAL *ai, const REAL *br, const REAL *bi, int64_t length, int64_t d,
                                  double *out) {
    VEC c0 = NAME(splat)(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    WIDE wide[8] = {{0}};
    int count = 0;
    for (int64_t base = 0; base < length; base += 2 * d)
        for (int64_t p = base; p < base + d; p += VL) {
            const VEC a0r = *NAME(at)((REAL *)ar + p), a0i = *NAME(at)((REAL *)ai + p);
            const VEC a1r = *NAME(at)((REAL *)ar + p + d), a1i = *NAME(at)((REAL *)ai + p + d);
            const VEC b0r = *NAME(at)((REAL *)br + p), b0i = *NAME(at)((REAL *)bi + p);
            const VEC b1r = *NAME(at)((REAL *)br + p + d), b1i = *NAME(at)((REAL *)bi + p + d);
            c0 += a0r * b0r + a0i * b0i; c1 += a0i * b0r - a0r * b0i;
            c2 += a0r * b1r + a0i * b1i; c3 += a0i * b1r - a0r * b1i;
            c4 += a1r * b0r + a1i * b0i; c5 += a1i * b0r - a1r * b0i;
            c6 += a1r * b1r + a1i * b1i; c7 += a1i * b1r - a1r * b1i;
            if (++count == FLUSH) {
                wide[0] += WIDEN(c0); wide[1] += WIDEN(c1); wide[2] += WIDEN(c2); wide[3] += WIDEN(c3);
                wide[4] += WIDEN(c4); wide[5] += WIDEN(c5); wide[6] += WIDEN(c6); wide[7] += WIDEN(c7);
                c0 = NAME(splat)(0); c1 = c0; c2 = c0; c3 = c0; c4 = c0; c5 = c0; c6 = c0; c7 = c0;
                count = 0;
            }
        }
    wide[0] += WIDEN(c0); wide[1] += WIDEN(c1); wide[2] += WIDEN(c2); wide[3] += WIDEN(c3);
    wide[4] += WIDEN(c4); wide[5] += WIDEN(c5); wide[6] += WIDEN(c6); wide[7] += WIDEN(c7);
    NAME(add_lane_sums)(wide, 8, out);
}

/* A qubit inside the vector (d < VL): per lane, self products a conj(b) and cross products
 * a conj(b_partner); lanes with bit 0 add to C00 and C01, lanes with bit 1 to C11 and C10. */
static inline __attribute__((always_inline)) void NAME(correlate_lanes_at)(const REAL *ar, const REAL *ai, const REAL *br,
                                                                            const REAL *bi, int64_t length, int d, double *out) {
    VEC c0 = NAME(splat)(0), c1 = c0, c2 = c0, c3 = c0;
    WIDE wide[4] = {{0}};
    int count = 0;
    for (int64_t v = 0; v < length; v += VL) {
        const VEC xr = *NAME(at)((REAL *)ar + v), xi = *NAME(at)((REAL *)ai + v);
        const VEC yr = *NAME(at)((REAL *)br + v), yi = *NAME(at)((REAL *)bi + v);
        const VEC fr = FLIP(yr, d), fi = FLIP(yi, d);
        c0 += xr * yr + xi * yi; c1 += xi * yr - xr * yi;
        c2 += xr * fr + xi * fi; c3 += xi * fr - xr * fi;
        if (++count == FLUSH) {
            wide[0] += WIDEN(c0); wide[1] += WIDEN(c1); wide[2] += WIDEN(c2); wide[3] += WIDEN(c3);
            c0 = NAME(splat)(0); c1 = c0; c2 = c0; c3 = c0;
            count = 0;
        }
    }
    wide[0] += WIDEN(c0); wide[1] += WIDEN(c1); wide[2] += WIDEN(c2); wide[3] += WIDEN(c3);
    /* out = (C00, C01, C10, C11): self products of bit-0 lanes, cross of bit 0, cross of bit 1, self of bit 1 */
    const WIDE clear = NAME(clear_lanes)(d), set = 1 - clear;
    const WIDE sorted[8] = {wide[0] * clear, wide[1] * clear, wide[2] * clear, wide[3] * clear,
                            wide[2] * set, wide[3] * set, wide[0] * set, wide[1] * set};
    NAME(add_lane_sums)(sorted, 8, out);
}

static void NAME(correlate_lanes)(const REAL *ar, const REAL *ai, const REAL *br, const REAL *bi, int64_t length, int d,
                                  double *out) {
#define CALL(D) NAME(correlate_lanes_at)(ar, ai, br, bi, length, D, out)
    WITH_LANE_DISTANCE(d, CALL);
#undef CALL
}

static void NAME(correlate)(const REAL *ar, const REAL *ai, const REAL *br, const REAL *bi, int n, double *out) {
    int64_t length = (int64_t)1 << n;
    if (length < VL) { NAME(correlate_scalar)(ar, ai, br, bi, n, out); return; }
    int tile_bits = n < TILE_BITS ? n : TILE_BITS;
    int64_t tile = (int64_t)1 << tile_bits;
    for (int k = 0; k < n - tile_bits; k++) NAME(correlate_pairs)(ar, ai, br, bi, length, (int64_t)1 << (n - 1 - k), out + 8 * k);
    for (int64_t s = 0; s < length; s += tile)
        for (int k = n - tile_bits; k < n; k++) {
            int64_t d = (int64_t)1 << (n - 1 - k);
            if (d >= VL)
                NAME(correlate_pairs)(ar + s, ai + s, br + s, bi + s, tile, d, out + 8 * k);
            else
                NAME(correlate_lanes)(ar + s, ai + s, br + s, bi + s, tile, (int)d, out + 8 * k);
        }
}

/* ---- entry points (batched; states interleaved complex) ---------------------------------- */

/* Per-thread work space for a block of elements' gates: `count` doubles. */
static __thread double *NAME(gate_data) = 0;
static __thread int64_t NAME(gate_length) = 0;

static double *NAME(gate_space)(int64_t count) {
    if (count < 1) count = 1;
    if (count > NAME(gate_length)) {
        free(NAME(gate_data));
        NAME(gate_data) = malloc((size_t)count * sizeof(double));
        NAME(gate_length) = NAME(gate_data) ? count : 0;
    }
    return NAME(gate_data);
}

/* Batch elements whose gates are set up together (in loops over all their gates, see
 * rotations.c): about BLOCK_GATES gates, few enough that their tables stay in L1. */
static int64_t NAME(block_elements)(int64_t gates_per_element, int64_t batch) {
    int64_t block = gates_per_element > 0 ? BLOCK_GATES / gates_per_element : batch;
    return block < 1 ? 1 : block > batch ? batch : block;
}

static int NAME(check)(int n, int layers, const int32_t *kinds, int count) {
    if (n < 1 || n > MAX_QUBITS) return -2;
    if (layers < 0 || !qrnn_rotation_kinds_valid(kinds, count)) return -3;
    return 0;
}

/* One step: for each layer l, every qubit's gate (its rotations kinds[count] in X, Y, Z,
 * applied in that order, at the angles of `encoding` and `variational`, batch element b's
 * at b times their strides, see qrnn_step_phases in rotations.h), then the entangler E (y[i] = sign[i] * z[index[i]]);
 * index and sign are optional. The angles' phases (cos(t/2), sin(t/2)) are written to
 * `phases` (batch x layers x n x count x 2 doubles) when it is given, for the backward.
 * inverse = 1: the adjoint step, U^dagger x (then index is E's inverse table): for each
 * layer, last first, E^-1 and then the adjoint gates.
 * expectations (batch x 3 x n doubles, or NULL): the Pauli readouts of each output element
 * as qrnn_expectations gives them, read before the element leaves the caches.
 * Every entry point returns 0, -1 if its work space could not be allocated, -2 for n
 * outside 1..MAX_QUBITS, -3 for bad rotation kinds. */
int NAME(qrnn_step)(const REAL *in, REAL *out, const void *encoding, int64_t encoding_stride, const void *variational,
                    int64_t variational_stride, int angle_types, double *phases, const int32_t *kinds, int count, int64_t batch, int n, int layers,
                    const int64_t *index, const REAL *sign, int inverse, double *expectations) {
    int status = NAME(check)(n, layers, kinds, count);
    if (status) return status;
    int64_t length = (int64_t)1 << n, gates_per_element = (int64_t)n * layers, angles_per_element = gates_per_element * count;
    int64_t block = NAME(block_elements)(gates_per_element, batch), block_gates = block * gates_per_element;
    REAL *work = NAME(scratch)(4 * length);
    double *built = NAME(gate_space)((3 * count + 10) * block_gates);  /* angles, phases unless kept, columns, factors */
    if (!work || !built) return -1;
    double *angles = built, *own_phases = angles + count * block_gates, *columns = own_phases + 2 * count * block_gates;
    double *factors = columns + 4 * block_gates;
    REAL *re = work, *im = work + length, *spare_re = work + 2 * length, *spare_im = work + 3 * length;
    REAL gates[8 * MAX_QUBITS];
    NAME(tile_factors) tile;
    int entangled = index || sign;
    NAME(plan_room) room;
    const void *plan = NAME(plan_for)(index, length, &room);
    for (int64_t b = 0; b < batch; b++) {
        const REAL *x = in + 2 * length * b;
        REAL *y = out + 2 * length * b;
        int64_t b0 = b - b % block, elements = batch - b0 < block ? batch - b0 : block, stride = elements * gates_per_element;
        if (b == b0) {  /* the gates of elements b .. b + elements - 1 */
            double *block_phases = phases ? phases + 2 * angles_per_element * b : own_phases;
            qrnn_step_phases(encoding, encoding_stride, variational, variational_stride, angle_types, b, elements, layers, n, count,
                             angles, block_phases);
            qrnn_gate_columns(block_phases, stride, kinds, count, columns);
            qrnn_gate_factors(columns, stride, factors);
        }
        if (inverse || layers == 0) NAME(split)(x, re, im, length, inverse ? index : 0, inverse ? sign : 0, spare_re, spare_im, plan);
        for (int step = 0; step < layers; step++) {
            int l = inverse ? layers - 1 - step : step;
            int64_t first = (b - b0) * gates_per_element + (int64_t)n * l;
            if (inverse && step > 0 && entangled) {
                NAME(permute)(re, im, spare_re, spare_im, length, index, sign, plan);
                REAL *t = re; re = spare_re; spare_re = t; t = im; im = spare_im; spare_im = t;
            }
            NAME(layer_setup)(columns + first, factors + first, stride, n, inverse, gates, &tile);
            const REAL *next = (step == 0 && b + 1 < batch) ? x + 2 * length : 0;
            NAME(apply_factored)(re, im, n, gates, &tile, next, step == layers - 1 ? y : 0, !inverse && step == 0 ? x : 0);
            if (!inverse && step < layers - 1 && entangled) {
                NAME(permute)(re, im, spare_re, spare_im, length, index, sign, plan);
                REAL *t = re; re = spare_re; spare_re = t; t = im; im = spare_im; spare_im = t;
            }
        }
        if (expectations) {  /* the readouts of y while it is in the caches: entangle in planar form, read, interleave */
            if (!inverse && entangled) {
                NAME(permute)(re, im, spare_re, spare_im, length, index, sign, plan);
                REAL *t = re; re = spare_re; spare_re = t; t = im; im = spare_im; spare_im = t;
            }
            NAME(expectations_of)(re, im, n, expectations + 3 * n * b);
            NAME(join)(re, im, y, length, 0, 0, spare_re, spare_im, plan);
        } else {
            NAME(join)(re, im, y, length, inverse ? 0 : index, inverse ? 0 : sign, spare_re, spare_im, plan);
        }
    }
    return 0;
}

/* Backward of the forward qrnn_step, from its output y and the gradient dL/dy (PyTorch's
 * convention for complex tensors): dL/dx into grad_in and dL/d(angle) into grad_angles
 * (batch x layers x n x count doubles). The gates are unitary, so the states inside the
 * step are recomputed from y by the adjoint gates instead of being stored. For the state
 * z right after a layer's gates and its gradient gz, the gradient of gate G_k is C_k G_k
 * with C_k[a][c] = sum gz[a..] conj(z[c..]) (the correlations of qubit k); the angles'
 * gradients follow from it (rotations.c). grad_expectations (batch x 3 x n doubles, or NULL):
 * the gradients of y's readouts, whose backward is added to grad_y (then NULL for none) on the
 * way in. inverse_index: E^-1 as a table (none without a
 * permutation); E^T = E^-1 for a permutation and for a diagonal of signs.
 * phases: those qrnn_step kept, or NULL: then they are computed here from the angles
 * (encoding, variational, their strides and angle_types as in qrnn_step). previous (or
 * NULL): the step's input U^dagger y, which the backward walks to anyway, so that a
 * reversible backward needs no inverse step of its own. */
int NAME(qrnn_step_backward)(const REAL *y, const REAL *grad_y, const double *grad_expectations, const double *phases,
                             const void *encoding, int64_t encoding_stride, const void *variational, int64_t variational_stride,
                             int angle_types, const int32_t *kinds, int count, int64_t batch, int n, int layers,
                             const int64_t *inverse_index, const REAL *sign, REAL *grad_in, double *grad_angles, REAL *previous) {
    int status = NAME(check)(n, layers, kinds, count);
    if (status) return status;
    int64_t length = (int64_t)1 << n, gates_per_element = (int64_t)n * layers;
    int64_t block = NAME(block_elements)(gates_per_element, batch), block_gates = block * gates_per_element;
    REAL *work = NAME(scratch)(7 * length);
    /* angles and phases unless given, columns, factors, correlations, the gradients' work space */
    double *built = NAME(gate_space)((3 * count + 26) * block_gates);
    if (!work || !built) return -1;
    double *angles = built, *own_phases = angles + count * block_gates, *columns = own_phases + 2 * count * block_gates;
    double *factors = columns + 4 * block_gates, *correlations = factors + 6 * block_gates, *gradient_work = correlations + 8 * block_gates;
    REAL *zr = work, *zi = work + length, *gr = work + 2 * length, *gi = work + 3 * length;
    REAL *spare_r = work + 4 * length, *spare_i = work + 5 * length, *diagonal = work + 6 * length;
    REAL adjoint[8 * MAX_QUBITS];
    NAME(tile_factors) tile;
    int entangled = inverse_index || sign;
    NAME(plan_room) room;
    const void *plan = NAME(plan_for)(inverse_index, length, &room);
    const double *block_phases = own_phases;
    for (int64_t b = 0; b < batch; b++) {
        int64_t b0 = b - b % block, elements = batch - b0 < block ? batch - b0 : block, stride = elements * gates_per_element;
        if (b == b0) {  /* the adjoint gates of elements b .. b + elements - 1 */
            if (phases) block_phases = phases + 2 * count * gates_per_element * b;
            else qrnn_step_phases(encoding, encoding_stride, variational, variational_stride, angle_types, b, elements, layers, n, count,
                                  angles, own_phases);
            qrnn_gate_columns(block_phases, stride, kinds, count, columns);
            qrnn_gate_factors(columns, stride, factors);
            memset(correlations, 0, 8 * stride * sizeof(double));
        }
        double *element_correlations = correlations + 8 * (b - b0) * gates_per_element;
        if (grad_expectations) {  /* dL/dy gains the readouts' backward (qrnn_expectations_backward), all in planar form */
            NAME(deinterleave)(y + 2 * length * b, zr, zi, length);
            if (grad_y) NAME(deinterleave)(grad_y + 2 * length * b, gr, gi, length);
            else memset(gr, 0, 2 * length * sizeof(REAL));
            NAME(expectations_backward_of)(zr, zi, grad_expectations + 3 * n * b, n, gr, gi, diagonal);
            if (entangled) {
                NAME(permute)(zr, zi, spare_r, spare_i, length, inverse_index, sign, plan);
                REAL *t = zr; zr = spare_r; spare_r = t; t = zi; zi = spare_i; spare_i = t;
                NAME(permute)(gr, gi, spare_r, spare_i, length, inverse_index, sign, plan);
                t = gr; gr = spare_r; spare_r = t; t = gi; gi = spare_i; spare_i = t;
            }
        } else {
            NAME(split)(y + 2 * length * b, zr, zi, length, inverse_index, sign, spare_r, spare_i, plan);
            NAME(split)(grad_y + 2 * length * b, gr, gi, length, inverse_index, sign, spare_r, spare_i, plan);
        }
        for (int l = layers - 1; l >= 0; l--) {
            int64_t first = (b - b0) * gates_per_element + (int64_t)n * l;
            NAME(correlate)(gr, gi, zr, zi, n, element_correlations + (int64_t)8 * n * l);
            NAME(layer_setup)(columns + first, factors + first, stride, n, 1, adjoint, &tile);
            NAME(apply_factored)(gr, gi, n, adjoint, &tile, 0, 0, 0);
            if (l == 0 && previous) {
                NAME(apply_factored)(zr, zi, n, adjoint, &tile, 0, 0, 0);
                NAME(join)(zr, zi, previous + 2 * length * b, length, 0, 0, 0, 0, 0);
            }
            if (l > 0) {
                NAME(apply_factored)(zr, zi, n, adjoint, &tile, 0, 0, 0);
                if (entangled) {
                    NAME(permute)(zr, zi, spare_r, spare_i, length, inverse_index, sign, plan);
                    REAL *t = zr; zr = spare_r; spare_r = t; t = zi; zi = spare_i; spare_i = t;
                    NAME(permute)(gr, gi, spare_r, spare_i, length, inverse_index, sign, plan);
                    t = gr; gr = spare_r; spare_r = t; t = gi; gi = spare_i; spare_i = t;
                }
            }
        }
        NAME(join)(gr, gi, grad_in + 2 * length * b, length, 0, 0, 0, 0, 0);
        /* The block's angles' gradients straight from the correlations (dL/dG = C G is never formed, see rotations.c). */
        if (b + 1 == b0 + elements)
            qrnn_angle_gradients(block_phases, correlations, stride, kinds, count, gradient_work, grad_angles + count * gates_per_element * b0);
    }
    return 0;
}
