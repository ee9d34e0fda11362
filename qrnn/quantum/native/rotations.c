/* Single-qubit gates from rotation angles, and their backward pass, in double precision:
 * the step kernels (layers_body.h) set up the gates of a few batch elements at a time with
 * these, so a step is one call from Python instead of a few dozen tiny tensor operations (which cost more
 * than a step's arithmetic up to n = 12). Declared in rotations.h.
 *
 * Each gate is U = R_m ... R_2 R_1 for the rotation kinds of one block (applied in that
 * order), R_P(t) = exp(-i t P / 2) = cos(t/2) I - i sin(t/2) P, as qrnn/quantum/gates.py's
 * compose_rotations.
 *
 * Backward: dR_i/dt_i = (-i/2) P_i R_i, so with U = A_i R_i B_i (A_i the rotations after
 * i, B_i those before), dU/dt_i = (-i/2) A_i P_i R_i B_i and, for PyTorch's gradient gU of
 * a complex output, dL/dt_i = Re sum conj(gU) * dU/dt_i = Im(sum conj(gU) * A_i P_i R_i B_i) / 2.
 */

#include <math.h>
#include <stdint.h>

#include "rotations.h"

/* Complex numbers by hand: C99 complex products call __muldc3 (NaN/infinity recovery) on
 * every multiply unless -fcx-limited-range, which not every compiler knows. */
typedef struct { double re, im; } cplx;
typedef struct { cplx m[2][2]; } mat2;


static inline cplx mul(cplx a, cplx b) { return (cplx){a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
static inline cplx add(cplx a, cplx b) { return (cplx){a.re + b.re, a.im + b.im}; }

/* R_P(t) u and u R_P(t) for R_P(t) = cos(t/2) I - i sin(t/2) P, from (c, s) = (cos(t/2),
 * sin(t/2)), written out per Pauli: RX = [[c, -is], [-is, c]], RY = [[c, -s], [s, c]],
 * RZ = diag(c - is, c + is). (General 2 x 2 products, with each rotation built from its
 * Pauli matrix, made these products a third of a step's time at small n.)
 * R_P(t)^H = R_P(-t): the same with -s. */
static inline __attribute__((always_inline)) cplx times_i(cplx a, double s) { return (cplx){-s * a.im, s * a.re}; }
static inline __attribute__((always_inline)) cplx scaled(cplx a, double c) { return (cplx){c * a.re, c * a.im}; }

/* (x0, x1) <- R (x0, x1). */
static inline __attribute__((always_inline)) void rotate_pair(int kind, double c, double s, cplx *x0, cplx *x1) {
    cplx a = *x0, b = *x1;
    if (kind == KIND_X) {
        *x0 = add(scaled(a, c), times_i(b, -s));
        *x1 = add(times_i(a, -s), scaled(b, c));
    } else if (kind == KIND_Y) {
        *x0 = add(scaled(a, c), scaled(b, -s));
        *x1 = add(scaled(a, s), scaled(b, c));
    } else {
        *x0 = add(scaled(a, c), times_i(a, -s));
        *x1 = add(scaled(b, c), times_i(b, s));
    }
}

/* u <- R u: each column of u is a pair of amplitudes. */
static inline __attribute__((always_inline)) void rotate_left(int kind, double c, double s, mat2 *u) {
    for (int j = 0; j < 2; j++) rotate_pair(kind, c, s, &u->m[0][j], &u->m[1][j]);
}

/* u <- u R = (R^T u^T)^T, with R^T = R for X and Z and R^T = R(-t) for Y. */
static inline __attribute__((always_inline)) void rotate_right(int kind, double c, double s, mat2 *u) {
    for (int i = 0; i < 2; i++) rotate_pair(kind, c, kind == KIND_Y ? -s : s, &u->m[i][0], &u->m[i][1]);
}

int qrnn_rotation_kinds_valid(const int32_t *kinds, int count) {
    if (count < 1 || count > MAX_ROTATIONS) return 0;
    for (int i = 0; i < count; i++)
        if (kinds[i] < KIND_X || kinds[i] > KIND_Z) return 0;
    return 1;
}

/* ---- cos(t/2) and sin(t/2) of every angle -------------------------------------------------
 * A libm sin and cos per angle cost more than the rest of this file, so the loop below is
 * written to vectorise: x = t/2 is reduced to r = x - k pi/2 (|r| <= pi/4) with pi/2 in
 * three parts (Cody-Waite; the first has 33 bits, so k * part is exact for |k| < 2**20),
 * and sin r, cos r are fdlibm's minimax polynomials (errors below an ulp on |r| <= pi/4).
 * Angles beyond the reduction's range (|x| > 2**19, inf, NaN) go to libm afterwards. */

#define REDUCIBLE 524288.0  /* 2**19 */
static const double TWO_OVER_PI = 6.36619772367581382433e-01;
static const double PIO2_1 = 1.57079632673412561417e+00, PIO2_2 = 6.07710050630396597660e-11,
                    PIO2_3 = 2.02226624871116645580e-21;
static const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
                    S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
static const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
                    C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;

void qrnn_half_angle_phases(const double *angles, int64_t count, double *phases) {
    int large = 0;
    for (int64_t i = 0; i < count; i++) {
        double x = 0.5 * angles[i];
        int inside = fabs(x) <= REDUCIBLE;  /* false for NaN */
        large |= !inside;
        double k = inside ? rint(x * TWO_OVER_PI) : 0.0;
        double r = ((x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3, z = r * r;
        double s = r + r * z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
        double c = 1.0 - 0.5 * z + z * z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
        int64_t quadrant = (int64_t)k & 3;  /* x = r + quadrant pi/2 (mod 2 pi) */
        double sine = quadrant & 1 ? c : s, cosine = quadrant & 1 ? s : c;
        phases[2 * i] = (quadrant == 1 || quadrant == 2) ? -cosine : cosine;
        phases[2 * i + 1] = quadrant & 2 ? -sine : sine;
    }
    if (large)
        for (int64_t i = 0; i < count; i++) {
            double x = 0.5 * angles[i];
            if (!(fabs(x) <= REDUCIBLE)) {
                phases[2 * i] = cos(x);
                phases[2 * i + 1] = sin(x);
            }
        }
}

static inline double angle_at(const void *angles, int is_double, int64_t i) {
    return is_double ? ((const double *)angles)[i] : (double)((const float *)angles)[i];
}

void qrnn_step_phases(const void *encoding, int64_t encoding_stride, const void *variational, int64_t variational_stride,
                      int angle_types, int64_t element, int64_t elements, int layers, int n, int count, double *angles,
                      double *phases) {
    int first = encoding != 0, per_gate = count - first;
    for (int64_t e = 0; e < elements; e++) {
        const int64_t enc = (element + e) * encoding_stride, var = (element + e) * variational_stride;
        for (int l = 0; l < layers; l++)
            for (int q = 0; q < n; q++) {
                double *a = angles + ((e * layers + l) * n + q) * count;
                if (first) a[0] = l == 0 ? angle_at(encoding, angle_types & 1, enc + q) : 0.0;
                for (int r = 0; r < per_gate; r++)
                    a[first + r] = angle_at(variational, angle_types & 2, var + ((int64_t)l * n + q) * per_gate + r);
            }
    }
    qrnn_half_angle_phases(angles, elements * layers * n * count, phases);
}

/* ---- many gates at once ------------------------------------------------------------------
 * The functions below take a block of gates (a few batch elements' worth) in structure-of-
 * arrays form, each loop running over the gates with the rotation kind fixed outside it, so
 * that the loops vectorise: built gate by gate (a kind's branch per rotation and a scalar
 * sqrt and divisions per qubit) this set-up took a quarter of a step's time at n = 8.
 * Every gate goes through the same arithmetic wherever it sits in a block, so the results
 * do not depend on how the batch is split. */

/* (a, b) <- R (a, b) for the first columns (a, b) of `gates` gates, R of kind `kind` at the
 * phases (c, s) `step` doubles apart. (Each loop gets its arrays as restrict parameters: with
 * pointers that might overlap, the vectoriser gives up and the loops run scalar.) */
static inline __attribute__((always_inline)) void rotate_columns(int kind, const double *restrict phase, int64_t step, int64_t gates,
                                                                 double *restrict ar, double *restrict ai, double *restrict br,
                                                                 double *restrict bi) {
    for (int64_t g = 0; g < gates; g++) {
        cplx a = {ar[g], ai[g]}, b = {br[g], bi[g]};
        rotate_pair(kind, phase[g * step], phase[g * step + 1], &a, &b);
        ar[g] = a.re; ai[g] = a.im; br[g] = b.re; bi[g] = b.im;
    }
}

void qrnn_gate_columns(const double *phases, int64_t gates, const int32_t *kinds, int count, double *columns) {
    double *ar = columns, *ai = columns + gates, *br = columns + 2 * gates, *bi = columns + 3 * gates;
    for (int64_t g = 0; g < gates; g++) {
        ar[g] = 1; ai[g] = 0; br[g] = 0; bi[g] = 0;
    }
    for (int i = 0; i < count; i++) {
        const double *phase = phases + 2 * i;
        if (kinds[i] == KIND_X) rotate_columns(KIND_X, phase, 2 * count, gates, ar, ai, br, bi);
        else if (kinds[i] == KIND_Y) rotate_columns(KIND_Y, phase, 2 * count, gates, ar, ai, br, bi);
        else rotate_columns(KIND_Z, phase, 2 * count, gates, ar, ai, br, bi);
    }
}

/* Below this, c or s counts as 0 (u or v = 1, the other of c and s 1 up to rounding): the
 * error is of that size, and the product c s, whose reciprocal gives both 1/c and 1/s with
 * one division (the vectorised loop's bottleneck with two), stays a normal number. */
#define NEGLIGIBLE 1e-150

static void factor_gates(int64_t gates, const double *restrict ar, const double *restrict ai, const double *restrict br,
                         const double *restrict bi, double *restrict c, double *restrict s, double *restrict ur, double *restrict ui,
                         double *restrict vr, double *restrict vi) {
    for (int64_t g = 0; g < gates; g++) {
        double a = sqrt(ar[g] * ar[g] + ai[g] * ai[g]), b = sqrt(br[g] * br[g] + bi[g] * bi[g]);
        int a_zero = a < NEGLIGIBLE, b_zero = b < NEGLIGIBLE;
        double inverse = 1 / (a_zero || b_zero ? 1 : a * b);  /* 1 / (c s) */
        double to_u = b_zero ? 1 : b * inverse, to_v = a_zero ? 1 : a * inverse;
        c[g] = a;
        s[g] = b;
        ur[g] = a_zero ? 1 : ar[g] * to_u;
        ui[g] = a_zero ? 0 : ai[g] * to_u;
        vr[g] = b_zero ? 1 : br[g] * to_v;
        vi[g] = b_zero ? 0 : bi[g] * to_v;
    }
}

void qrnn_gate_factors(const double *columns, int64_t gates, double *factors) {
    factor_gates(gates, columns, columns + gates, columns + 2 * gates, columns + 3 * gates, factors, factors + gates,
                 factors + 2 * gates, factors + 3 * gates, factors + 4 * gates, factors + 5 * gates);
}

/* For `gates` gates' H (h[2 (2 row + column) + part]: its entries' real and imaginary parts)
 * and rotation i of kind `kind` (phases `step` doubles apart): dL/dt_i = Im tr(H P) / 2 into
 * grad (`step` / 2 apart), then, unless `last`, H <- R^H H R. */
static inline __attribute__((always_inline)) void rotation_gradients(
    int kind, int last, const double *restrict phase, int64_t step, int64_t gates, double *restrict h0, double *restrict h1,
    double *restrict h2, double *restrict h3, double *restrict h4, double *restrict h5, double *restrict h6, double *restrict h7,
    double *restrict grad) {
    for (int64_t g = 0; g < gates; g++) {
        /* tr(H X) = H01 + H10, tr(H Y) = i (H01 - H10), tr(H Z) = H00 - H11 */
        grad[g * step / 2] = (kind == KIND_X ? h3[g] + h5[g] : kind == KIND_Y ? h2[g] - h4[g] : h1[g] - h7[g]) / 2;
        if (last) continue;
        mat2 m = {{{{h0[g], h1[g]}, {h2[g], h3[g]}}, {{h4[g], h5[g]}, {h6[g], h7[g]}}}};
        rotate_right(kind, phase[g * step], phase[g * step + 1], &m);
        rotate_left(kind, phase[g * step], -phase[g * step + 1], &m);
        h0[g] = m.m[0][0].re; h1[g] = m.m[0][0].im; h2[g] = m.m[0][1].re; h3[g] = m.m[0][1].im;
        h4[g] = m.m[1][0].re; h5[g] = m.m[1][0].im; h6[g] = m.m[1][1].re; h7[g] = m.m[1][1].im;
    }
}

#define ROTATION_GRADIENTS(KIND, LAST) \
    rotation_gradients(KIND, LAST, phase, 2 * count, gates, h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], grad)

void qrnn_angle_gradients(const double *phases, const double *correlations, int64_t gates, const int32_t *kinds, int count,
                          double *work, double *grad_angles) {
    /* With U = A_i R_i B_i unitary, R_i B_i = A_i^H U, so the trace above is
     * tr(gU^H A_i P_i A_i^H U) = tr(H_i P_i) with H_i = A_i^H G A_i and G = U gU^H: H of the
     * last rotation is G, and H_{i-1} = R_i^H H_i R_i. Two 2 x 2 products per rotation
     * instead of the A_i, B_i and A_i P_i R_i B_i products of every rotation (measured: this
     * function was half the step backward's time at n <= 8). And gU = C U, so G = U U^H C^H
     * = C^H: neither gU nor U is formed. h[2 (2 row + column) + part]: H's entries. */
    double *h[8];
    for (int e = 0; e < 8; e++) h[e] = work + e * gates;
    for (int64_t g = 0; g < gates; g++) {
        const double *c = correlations + 8 * g;  /* H[b][a] = conj(C[a][b]) */
        h[0][g] = c[0]; h[1][g] = -c[1];
        h[2][g] = c[4]; h[3][g] = -c[5];
        h[4][g] = c[2]; h[5][g] = -c[3];
        h[6][g] = c[6]; h[7][g] = -c[7];
    }
    for (int i = count - 1; i >= 0; i--) {
        const double *phase = phases + 2 * i;
        double *grad = grad_angles + i;
        if (i == 0 && kinds[i] == KIND_X) ROTATION_GRADIENTS(KIND_X, 1);
        else if (i == 0 && kinds[i] == KIND_Y) ROTATION_GRADIENTS(KIND_Y, 1);
        else if (i == 0) ROTATION_GRADIENTS(KIND_Z, 1);
        else if (kinds[i] == KIND_X) ROTATION_GRADIENTS(KIND_X, 0);
        else if (kinds[i] == KIND_Y) ROTATION_GRADIENTS(KIND_Y, 0);
        else ROTATION_GRADIENTS(KIND_Z, 0);
    }
}
