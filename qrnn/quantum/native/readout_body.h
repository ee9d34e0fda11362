/* Pauli readouts <X_k>, <Y_k>, <Z_k> of every qubit and their backward pass. Included per
 * precision after common_body.h (see there).
 *
 * With a0, a1 the amplitudes whose bit k is 0 and 1 (the other bits equal) and
 * rho01 = sum a0 conj(a1):  <X_k> = 2 Re rho01,  <Y_k> = -2 Im rho01,  <Z_k> = sum |a0|^2 - |a1|^2.
 * Backward, for a real loss with gradients gX, gY, gZ of the readouts (PyTorch's
 * convention for complex tensors):
 *     dL/dpsi = 2 sum_k (gX_k X_k + gY_k Y_k + gZ_k Z_k) psi
 *             = D psi + sum_k [off-diagonal of qubit k] psi,   D[i] = 2 sum_k (+-) gZ_k,
 * the sign + where bit k of i is 0; the off-diagonal part sends 2 (gX - i gY) a1 to a0's
 * place and 2 (gX + i gY) a0 to a1's. Both directions cost about 1 complex multiply-add
 * per amplitude per qubit.
 */

/* One qubit with d >= VL over [0, length): sums[0] += sum |a0|^2 - |a1|^2, sums[1..2] += rho01. */
static void NAME(expect_pairs)(const REAL *re, const REAL *im, int64_t length, int64_t d, double *sums) {
    VEC z = NAME(splat)(0), cr = z, ci = z;
    WIDE wide[3] = {{0}};
    int count = 0;
    for (int64_t base = 0; base < length; base += 2 * d)
        for (int64_t p = base; p < base + d; p += VL) {
            const VEC a0r = *NAME(at)((REAL *)re + p), a0i = *NAME(at)((REAL *)im + p);
            const VEC a1r = *NAME(at)((REAL *)re + p + d), a1i = *NAME(at)((REAL *)im + p + d);
            z += a0r * a0r + a0i * a0i - a1r * a1r - a1i * a1i;
            cr += a0r * a1r + a0i * a1i;
            ci += a0i * a1r - a0r * a1i;
            if (++count == FLUSH) {
                wide[0] += WIDEN(z); wide[1] += WIDEN(cr); wide[2] += WIDEN(ci);
                z = NAME(splat)(0); cr = z; ci = z;
                count = 0;
            }
        }
    wide[0] += WIDEN(z); wide[1] += WIDEN(cr); wide[2] += WIDEN(ci);
    const WIDE zero = {0}, all[8] = {wide[0], wide[1], wide[2], zero, zero, zero, zero, zero};
    NAME(add_lane_sums)(all, 3, sums);
}

/* One qubit with d < VL: per lane |a|^2 and a conj(partner); lanes with bit 1 count -|a1|^2,
 * and their a1 conj(a0) (rho01's conjugate, already counted in the bit-0 lane) not at all. */
static inline __attribute__((always_inline)) void NAME(expect_lanes_at)(const REAL *re, const REAL *im, int64_t length, int d,
                                                                         double *sums) {
    VEC z = NAME(splat)(0), cr = z, ci = z;
    WIDE wide[3] = {{0}};
    int count = 0;
    for (int64_t v = 0; v < length; v += VL) {
        const VEC ar = *NAME(at)((REAL *)re + v), ai = *NAME(at)((REAL *)im + v);
        const VEC fr = FLIP(ar, d), fi = FLIP(ai, d);
        z += ar * ar + ai * ai;
        cr += ar * fr + ai * fi;
        ci += ai * fr - ar * fi;
        if (++count == FLUSH) {
            wide[0] += WIDEN(z); wide[1] += WIDEN(cr); wide[2] += WIDEN(ci);
            z = NAME(splat)(0); cr = z; ci = z;
            count = 0;
        }
    }
    wide[0] += WIDEN(z); wide[1] += WIDEN(cr); wide[2] += WIDEN(ci);
    const WIDE clear = NAME(clear_lanes)(d), zero = {0};
    const WIDE signed_sums[8] = {wide[0] * (2 * clear - 1), wide[1] * clear, wide[2] * clear, zero, zero, zero, zero, zero};
    NAME(add_lane_sums)(signed_sums, 3, sums);
}

static void NAME(expect_lanes)(const REAL *re, const REAL *im, int64_t length, int d, double *sums) {
#define CALL(D) NAME(expect_lanes_at)(re, im, length, D, sums)
    WITH_LANE_DISTANCE(d, CALL);
#undef CALL
}

/* <X_k>, <Y_k>, <Z_k> of one planar element into out[k], out[n + k], out[2n + k]. */
static void NAME(expectations_of)(const REAL *re, const REAL *im, int n, double *out) {
    int64_t length = (int64_t)1 << n;
    if (length < VL) {
        for (int k = 0; k < n; k++) {
            int64_t d = (int64_t)1 << (n - 1 - k);
            double z = 0, cr = 0, ci = 0;
            for (int64_t base = 0; base < length; base += 2 * d)
                for (int64_t p = base; p < base + d; p++) {
                    int64_t q = p + d;
                    z += (double)re[p] * re[p] + (double)im[p] * im[p] - (double)re[q] * re[q] - (double)im[q] * im[q];
                    cr += (double)re[p] * re[q] + (double)im[p] * im[q];
                    ci += (double)im[p] * re[q] - (double)re[p] * im[q];
                }
            out[k] = 2 * cr; out[n + k] = -2 * ci; out[2 * n + k] = z;
        }
        return;
    }
    int tile_bits = n < TILE_BITS ? n : TILE_BITS;
    int64_t tile = (int64_t)1 << tile_bits;
    double sums[MAX_QUBITS][3];  /* per qubit: sum |a0|^2 - |a1|^2, rho01 */
    memset(sums, 0, sizeof sums);
    for (int k = 0; k < n - tile_bits; k++) NAME(expect_pairs)(re, im, length, (int64_t)1 << (n - 1 - k), sums[k]);
    for (int64_t s = 0; s < length; s += tile)
        for (int k = n - tile_bits; k < n; k++) {
            int64_t d = (int64_t)1 << (n - 1 - k);
            if (d >= VL)
                NAME(expect_pairs)(re + s, im + s, tile, d, sums[k]);
            else
                NAME(expect_lanes)(re + s, im + s, tile, (int)d, sums[k]);
        }
    for (int k = 0; k < n; k++) {
        out[k] = 2 * sums[k][1]; out[n + k] = -2 * sums[k][2]; out[2 * n + k] = sums[k][0];
    }
}

/* D[i] = 2 sum_k (bit k of i ? -1 : 1) gZ_k, built by doubling from the most significant qubit. */
static void NAME(diagonal)(const double *grad_z, int n, REAL *diagonal) {
    diagonal[0] = 0;
    for (int k = 0; k < n; k++) {
        int64_t half = (int64_t)1 << k;
        REAL g = (REAL)(2 * grad_z[k]);
        for (int64_t m = half - 1; m >= 0; m--) {
            REAL value = diagonal[m];
            diagonal[2 * m] = value + g;
            diagonal[2 * m + 1] = value - g;
        }
    }
}

/* Off-diagonal part of one qubit with d >= VL over [start, stop): out_a0 += c01 a1, out_a1 += c10 a0. */
static void NAME(off_pairs)(const REAL *xr, const REAL *xi, REAL *out_r, REAL *out_i, int64_t start, int64_t stop, int64_t d,
                            const REAL *c) {
    const VEC c01r = NAME(splat)(c[0]), c01i = NAME(splat)(c[1]), c10r = NAME(splat)(c[2]), c10i = NAME(splat)(c[3]);
    for (int64_t base = start; base < stop; base += 2 * d)
        for (int64_t p = base; p < base + d; p += VL) {
            const VEC x0r = *NAME(at)((REAL *)xr + p), x0i = *NAME(at)((REAL *)xi + p);
            const VEC x1r = *NAME(at)((REAL *)xr + p + d), x1i = *NAME(at)((REAL *)xi + p + d);
            *NAME(at)(out_r + p) += c01r * x1r - c01i * x1i;
            *NAME(at)(out_i + p) += c01r * x1i + c01i * x1r;
            *NAME(at)(out_r + p + d) += c10r * x0r - c10i * x0i;
            *NAME(at)(out_i + p + d) += c10r * x0i + c10i * x0r;
        }
}

/* The same for a qubit inside the vector (d < VL): lanes with bit 0 take c01, lanes with bit 1 c10. */
static inline __attribute__((always_inline)) void NAME(off_lanes_at)(const REAL *xr, const REAL *xi, REAL *out_r, REAL *out_i,
                                                                      int64_t start, int64_t stop, int d, const REAL *c) {
    VEC lr = NAME(splat)(0), li = lr;
    for (int j = 0; j < VL; j++) {
        lr[j] = (j & d) ? c[2] : c[0];
        li[j] = (j & d) ? c[3] : c[1];
    }
    for (int64_t v = start; v < stop; v += VL) {
        const VEC ar = *NAME(at)((REAL *)xr + v), ai = *NAME(at)((REAL *)xi + v);
        const VEC fr = FLIP(ar, d), fi = FLIP(ai, d);
        *NAME(at)(out_r + v) += lr * fr - li * fi;
        *NAME(at)(out_i + v) += lr * fi + li * fr;
    }
}

static void NAME(off_lanes)(const REAL *xr, const REAL *xi, REAL *out_r, REAL *out_i, int64_t start, int64_t stop, int d,
                            const REAL *c) {
#define CALL(D) NAME(off_lanes_at)(xr, xi, out_r, out_i, start, stop, D, c)
    WITH_LANE_DISTANCE(d, CALL);
#undef CALL
}

/* out += off-diagonal parts of every qubit; h: n x 4 reals (c01, c10 as re, im). */
static void NAME(off_diagonal)(const REAL *xr, const REAL *xi, REAL *out_r, REAL *out_i, int n, const REAL *h) {
    int64_t length = (int64_t)1 << n;
    if (length < VL) {
        for (int k = 0; k < n; k++) {
            int64_t d = (int64_t)1 << (n - 1 - k);
            const REAL *c = h + 4 * k;
            for (int64_t base = 0; base < length; base += 2 * d)
                for (int64_t p = base; p < base + d; p++) {
                    int64_t q = p + d;
                    out_r[p] += c[0] * xr[q] - c[1] * xi[q]; out_i[p] += c[0] * xi[q] + c[1] * xr[q];
                    out_r[q] += c[2] * xr[p] - c[3] * xi[p]; out_i[q] += c[2] * xi[p] + c[3] * xr[p];
                }
        }
        return;
    }
    int tile_bits = n < TILE_BITS ? n : TILE_BITS;
    int64_t tile = (int64_t)1 << tile_bits;
    for (int k = 0; k < n - tile_bits; k++) NAME(off_pairs)(xr, xi, out_r, out_i, 0, length, (int64_t)1 << (n - 1 - k), h + 4 * k);
    for (int64_t s = 0; s < length; s += tile)
        for (int k = n - tile_bits; k < n; k++) {
            int64_t d = (int64_t)1 << (n - 1 - k);
            if (d >= VL)
                NAME(off_pairs)(xr, xi, out_r, out_i, s, s + tile, d, h + 4 * k);
            else
                NAME(off_lanes)(xr, xi, out_r, out_i, s, s + tile, (int)d, h + 4 * k);
        }
}

/* out: batch x 3 x n doubles (<X_k>, <Y_k>, <Z_k>). */
int NAME(qrnn_expectations)(const REAL *x, int64_t batch, int n, double *out) {
    if (n < 1 || n > MAX_QUBITS) return -2;
    int64_t length = (int64_t)1 << n;
    REAL *work = NAME(scratch)(2 * length);
    if (!work) return -1;
    for (int64_t b = 0; b < batch; b++) {
        NAME(split)(x + 2 * length * b, work, work + length, length, 0, 0, 0, 0, 0);
        NAME(expectations_of)(work, work + length, n, out + 3 * n * b);
    }
    return 0;
}

/* out += dL/dx of one planar element x for the readouts' gradient g (3 x n doubles: gX, gY, gZ);
 * diagonal: 2**n reals of work space. */
static void NAME(expectations_backward_of)(const REAL *xr, const REAL *xi, const double *g, int n, REAL *out_r, REAL *out_i,
                                           REAL *diagonal) {
    int64_t length = (int64_t)1 << n;
    REAL h[4 * MAX_QUBITS];
    for (int k = 0; k < n; k++) {
        h[4 * k] = (REAL)(2 * g[k]); h[4 * k + 1] = (REAL)(-2 * g[n + k]);     /* 2 (gX - i gY) */
        h[4 * k + 2] = (REAL)(2 * g[k]); h[4 * k + 3] = (REAL)(2 * g[n + k]);  /* 2 (gX + i gY) */
    }
    if (length < VL) {
        NAME(diagonal)(g + 2 * n, n, diagonal);
        for (int64_t i = 0; i < length; i++) { out_r[i] += diagonal[i] * xr[i]; out_i[i] += diagonal[i] * xi[i]; }
    } else {
        /* D[i] = lane part (the qubits of i's lane bits) + vector part (the others): a vector
         * and one number per vector, instead of 2**n scalars built one by one. */
        int lane_bits = __builtin_ctz(VL);
        VEC lane = NAME(splat)(0);
        for (int j = 0; j < VL; j++) {
            double sum = 0;
            for (int b = 0; b < lane_bits; b++) sum += ((j >> b) & 1) ? -2 * g[2 * n + n - 1 - b] : 2 * g[2 * n + n - 1 - b];
            lane[j] = (REAL)sum;
        }
        NAME(diagonal)(g + 2 * n, n - lane_bits, diagonal);  /* the vector part: qubits 0 .. n - lane_bits - 1 */
        for (int64_t v = 0; v < length; v += VL) {
            const VEC d = lane + NAME(splat)(diagonal[v / VL]);
            *NAME(at)(out_r + v) += d * *NAME(at)((REAL *)xr + v);
            *NAME(at)(out_i + v) += d * *NAME(at)((REAL *)xi + v);
        }
    }
    NAME(off_diagonal)(xr, xi, out_r, out_i, n, h);
}

/* grad_x = dL/dx from grad (batch x 3 x n doubles, the gradients of qrnn_expectations' output). */
int NAME(qrnn_expectations_backward)(const REAL *x, const double *grad, int64_t batch, int n, REAL *grad_x) {
    if (n < 1 || n > MAX_QUBITS) return -2;
    int64_t length = (int64_t)1 << n;
    REAL *work = NAME(scratch)(5 * length);
    if (!work) return -1;
    REAL *xr = work, *xi = work + length, *out_r = work + 2 * length, *out_i = work + 3 * length, *diagonal = work + 4 * length;
    for (int64_t b = 0; b < batch; b++) {
        NAME(split)(x + 2 * length * b, xr, xi, length, 0, 0, 0, 0, 0);
        memset(out_r, 0, 2 * length * sizeof(REAL));
        NAME(expectations_backward_of)(xr, xi, grad + 3 * n * b, n, out_r, out_i, diagonal);
        NAME(join)(out_r, out_i, grad_x + 2 * length * b, length, 0, 0, 0, 0, 0);
    }
    return 0;
}
