/* A step's layers: single-qubit gates on every qubit, each layer followed by the
 * entangler, and the backward pass. Arithmetic is 2 complex multiply-adds per amplitude
 * per qubit, the minimum for arbitrary single-qubit gates (the Kronecker blocks of the
 * PyTorch path spend 4 per qubit with 4-qubit blocks). Included per precision after
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

static void NAME(gate_pairs)(REAL *re, REAL *im, int64_t length, int64_t d, const REAL *g) {
    const VEC g00r = NAME(splat)(g[0]), g00i = NAME(splat)(g[1]), g01r = NAME(splat)(g[2]), g01i = NAME(splat)(g[3]);
    const VEC g10r = NAME(splat)(g[4]), g10i = NAME(splat)(g[5]), g11r = NAME(splat)(g[6]), g11i = NAME(splat)(g[7]);
    for (int64_t base = 0; base < length; base += 2 * d)
        for (int64_t p = base; p < base + d; p += VL) {
            VEC *pr = NAME(at)(re + p), *pi = NAME(at)(im + p), *qr = NAME(at)(re + p + d), *qi = NAME(at)(im + p + d);
            VEC x0r = *pr, x0i = *pi, x1r = *qr, x1i = *qi;
            *pr = g00r * x0r - g00i * x0i + g01r * x1r - g01i * x1i;
            *pi = g00r * x0i + g00i * x0r + g01r * x1i + g01i * x1r;
            *qr = g10r * x0r - g10i * x0i + g11r * x1r - g11i * x1i;
            *qi = g10r * x0i + g10i * x0r + g11r * x1i + g11i * x1r;
        }
}

static void NAME(gate_lanes)(REAL *re, REAL *im, int64_t length, int d, const REAL *g) {
    VEC sr = NAME(splat)(0), si = sr, cr = sr, ci = sr;
    NAME(lane_coefficients)(d, g, &sr, &si, &cr, &ci);
    for (int64_t v = 0; v < length; v += VL) {
        VEC *pr = NAME(at)(re + v), *pi = NAME(at)(im + v);
        VEC xr = *pr, xi = *pi, yr = FLIP(xr, d), yi = FLIP(xi, d);
        *pr = sr * xr - si * xi + cr * yr - ci * yi;
        *pi = sr * xi + si * xr + cr * yi + ci * yr;
    }
}

/* Pull `bytes` of the next element's input into the caches, slice `slice` of `slices`:
 * spread over the tiles of this element's gates, the next element's loads overlap with
 * this element's arithmetic instead of stalling its split. */
static inline void NAME(prefetch_slice)(const REAL *next, int64_t bytes, int64_t slice, int64_t slices) {
    if (!next) return;
    const char *start = (const char *)next + bytes * slice / slices, *stop = (const char *)next + bytes * (slice + 1) / slices;
    for (const char *p = start; p < stop; p += 64) __builtin_prefetch(p, 0, 2);
}

/* Gate g on every qubit (gates: n x 8 reals) of one planar element of 2**n amplitudes,
 * prefetching `next` (the next element's interleaved input, or NULL) on the way. */
static void NAME(apply_gates)(REAL *re, REAL *im, int n, const REAL *gates, const REAL *next) {
    int64_t length = (int64_t)1 << n;
    if (length < VL) {
        for (int k = 0; k < n; k++) NAME(gate_scalar)(re, im, length, (int64_t)1 << (n - 1 - k), gates + 8 * k);
        return;
    }
    int tile_bits = n < TILE_BITS ? n : TILE_BITS;
    int64_t tile = (int64_t)1 << tile_bits, bytes = 2 * length * (int64_t)sizeof(REAL);
    for (int k = 0; k < n - tile_bits; k++) NAME(gate_pairs)(re, im, length, (int64_t)1 << (n - 1 - k), gates + 8 * k);
    for (int64_t start = 0; start < length; start += tile) {
        NAME(prefetch_slice)(next, bytes, start / tile, length / tile);
        for (int k = n - tile_bits; k < n; k++) {
            int64_t d = (int64_t)1 << (n - 1 - k);
            if (d >= VL)
                NAME(gate_pairs)(re + start, im + start, tile, d, gates + 8 * k);
            else
                NAME(gate_lanes)(re + start, im + start, tile, (int)d, gates + 8 * k);
        }
    }
}

/* The conjugate transposes of n gates. */
static void NAME(adjoint)(const REAL *gates, REAL *out, int n) {
    for (int k = 0; k < n; k++) {
        const REAL *g = gates + 8 * k;
        REAL *h = out + 8 * k;
        h[0] = g[0]; h[1] = -g[1];
        h[2] = g[4]; h[3] = -g[5];
        h[4] = g[2]; h[5] = -g[3];
        h[6] = g[6]; h[7] = -g[7];
    }
}

/* ---- correlations C_k[u][v] = sum a[index with bit k = u] conj(b[same index, bit k = v]) ----
 * Products are summed in REAL vectors over at most FLUSH vectors, then added lane by lane
 * into double vectors (WIDE), and the lanes are summed once per element: the readouts and
 * gate gradients are sums over 2**(n-1) products, and float partial sums of that length
 * would lose digits. out: n x 4 complex (C00, C01, C10, C11) as 8 doubles, added to. */


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

/* Pairs of whole vectors (d >= VL) over [0, length): wide[0..7] += (C00, C01, C10, C11) per lane. */
static void NAME(correlate_pairs)(const REAL *ar, const REAL *ai, const REAL *br, const REAL *bi, int64_t length, int64_t d,
                                  WIDE *wide) {
    VEC c0 = NAME(splat)(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
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
}

/* A qubit inside the vector (d < VL): per lane, self products a conj(b) (wide[0..1]) and
 * cross products a conj(b_partner) (wide[2..3]); lanes with bit 0 hold C00 and C01, lanes
 * with bit 1 hold C11 and C10 (sorted out in correlate). */
static void NAME(correlate_lanes)(const REAL *ar, const REAL *ai, const REAL *br, const REAL *bi, int64_t length, int d,
                                  WIDE *wide) {
    VEC c0 = NAME(splat)(0), c1 = c0, c2 = c0, c3 = c0;
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
}

static void NAME(correlate)(const REAL *ar, const REAL *ai, const REAL *br, const REAL *bi, int n, double *out) {
    int64_t length = (int64_t)1 << n;
    if (length < VL) { NAME(correlate_scalar)(ar, ai, br, bi, n, out); return; }
    int tile_bits = n < TILE_BITS ? n : TILE_BITS;
    int64_t tile = (int64_t)1 << tile_bits;
    WIDE wide[MAX_QUBITS][8];
    for (int k = 0; k < n; k++)
        for (int e = 0; e < 8; e++) wide[k][e] = (WIDE){0};
    for (int k = 0; k < n - tile_bits; k++) NAME(correlate_pairs)(ar, ai, br, bi, length, (int64_t)1 << (n - 1 - k), wide[k]);
    for (int64_t s = 0; s < length; s += tile)
        for (int k = n - tile_bits; k < n; k++) {
            int64_t d = (int64_t)1 << (n - 1 - k);
            if (d >= VL)
                NAME(correlate_pairs)(ar + s, ai + s, br + s, bi + s, tile, d, wide[k]);
            else
                NAME(correlate_lanes)(ar + s, ai + s, br + s, bi + s, tile, (int)d, wide[k]);
        }
    for (int k = 0; k < n; k++) {
        int64_t d = (int64_t)1 << (n - 1 - k);
        double *c = out + 8 * k;
        for (int j = 0; j < VL; j++) {
            if (d >= VL) {
                for (int e = 0; e < 8; e++) c[e] += wide[k][e][j];
            } else {
                int bit = (j & d) != 0;
                double *self = c + (bit ? 6 : 0), *cross = c + (bit ? 4 : 2);
                self[0] += wide[k][0][j]; self[1] += wide[k][1][j];
                cross[0] += wide[k][2][j]; cross[1] += wide[k][3][j];
            }
        }
    }
}

/* ---- entry points (batched; states interleaved complex) ---------------------------------- */

/* Forward (inverse = 0): for each layer l, the gates of layer l, then the entangler E
 * (y[i] = sign[i] * z[index[i]]). Inverse (inverse = 1, index = E's inverse table, gates
 * already adjoint and in reverse layer order): for each layer, E^-1 first, then the gates.
 * gates: batch x layers x n x 8 reals. Every entry point returns 0, -1 if its work space could
 * not be allocated, -2 for n outside 1..MAX_QUBITS. */
int NAME(qrnn_layers)(const REAL *in, REAL *out, const REAL *gates, int64_t batch, int n, int layers, const int64_t *index,
                      const REAL *sign, int inverse) {
    if (n < 1 || n > MAX_QUBITS) return -2;
    int64_t length = (int64_t)1 << n;
    REAL *work = NAME(scratch)(4 * length);
    if (!work) return -1;
    REAL *re = work, *im = work + length, *spare_re = work + 2 * length, *spare_im = work + 3 * length;
    int entangled = index || sign;
    for (int64_t b = 0; b < batch; b++) {
        const REAL *x = in + 2 * length * b, *g = gates + (int64_t)8 * n * layers * b;
        REAL *y = out + 2 * length * b;
        if (inverse)
            NAME(split)(x, re, im, length, index, sign);
        else
            NAME(split)(x, re, im, length, 0, 0);
        for (int l = 0; l < layers; l++) {
            if (inverse && l > 0 && entangled) {
                NAME(permute)(re, im, spare_re, spare_im, length, index, sign);
                REAL *t = re; re = spare_re; spare_re = t; t = im; im = spare_im; spare_im = t;
            }
            const REAL *next = (l == 0 && b + 1 < batch) ? x + 2 * length : 0;
            NAME(apply_gates)(re, im, n, g + (int64_t)8 * n * l, next);
            if (!inverse && l < layers - 1 && entangled) {
                NAME(permute)(re, im, spare_re, spare_im, length, index, sign);
                REAL *t = re; re = spare_re; spare_re = t; t = im; im = spare_im; spare_im = t;
            }
        }
        if (inverse)
            NAME(join)(re, im, y, length, 0, 0);
        else
            NAME(join)(re, im, y, length, index, sign);
    }
    return 0;
}

/* Backward of the forward qrnn_layers, from its output y and the gradient dL/dy
 * (PyTorch's convention for complex tensors). The gates are unitary, so the states inside
 * the step are recomputed from y by the adjoint gates instead of being stored. Writes
 * grad_in = dL/dx and, per layer and qubit, correlations C[a][c] = sum gz[a] conj(z[c])
 * of the gradient gz and the state z right after that layer's gates (added to
 * correlations: batch x layers x n x 8 doubles, zeroed by the caller); the caller's gate
 * gradient is C G. inverse_index: E^-1 as a table (None without a permutation). */
int NAME(qrnn_layers_backward)(const REAL *y, const REAL *grad_y, const REAL *gates, int64_t batch, int n, int layers,
                               const int64_t *inverse_index, const REAL *sign, REAL *grad_in, double *correlations) {
    if (n < 1 || n > MAX_QUBITS) return -2;
    int64_t length = (int64_t)1 << n;
    REAL *work = NAME(scratch)(6 * length);
    if (!work) return -1;
    REAL *zr = work, *zi = work + length, *gr = work + 2 * length, *gi = work + 3 * length;
    REAL *spare_r = work + 4 * length, *spare_i = work + 5 * length;
    REAL adjoint[8 * MAX_QUBITS];
    int entangled = inverse_index || sign;
    for (int64_t b = 0; b < batch; b++) {
        const REAL *g = gates + (int64_t)8 * n * layers * b;
        double *c = correlations + (int64_t)8 * n * layers * b;
        /* E^T = E^-1 for a permutation and for a diagonal of signs. */
        NAME(split)(y + 2 * length * b, zr, zi, length, inverse_index, sign);
        NAME(split)(grad_y + 2 * length * b, gr, gi, length, inverse_index, sign);
        for (int l = layers - 1; l >= 0; l--) {
            NAME(correlate)(gr, gi, zr, zi, n, c + (int64_t)8 * n * l);
            NAME(adjoint)(g + (int64_t)8 * n * l, adjoint, n);
            NAME(apply_gates)(gr, gi, n, adjoint, 0);
            if (l > 0) {
                NAME(apply_gates)(zr, zi, n, adjoint, 0);
                if (entangled) {
                    NAME(permute)(zr, zi, spare_r, spare_i, length, inverse_index, sign);
                    REAL *t = zr; zr = spare_r; spare_r = t; t = zi; zi = spare_i; spare_i = t;
                    NAME(permute)(gr, gi, spare_r, spare_i, length, inverse_index, sign);
                    t = gr; gr = spare_r; spare_r = t; t = gi; gi = spare_i; spare_i = t;
                }
            }
        }
        NAME(join)(gr, gi, grad_in + 2 * length * b, length, 0, 0);
    }
    return 0;
}

