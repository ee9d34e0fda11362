/* Single-qubit gates from rotation angles, and their backward pass, in double precision:
 * the step kernels (layers_body.h) build each batch element's gates with these, so a step
 * is one call from Python instead of a few dozen tiny tensor operations (which cost more
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

#include <stdint.h>

#include "rotations.h"

/* Complex numbers by hand: C99 complex products call __muldc3 (NaN/infinity recovery) on
 * every multiply unless -fcx-limited-range, which not every compiler knows. */
typedef struct { double re, im; } cplx;
typedef struct { cplx m[2][2]; } mat2;


static inline cplx mul(cplx a, cplx b) { return (cplx){a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
static inline cplx add(cplx a, cplx b) { return (cplx){a.re + b.re, a.im + b.im}; }

static mat2 product(mat2 a, mat2 b) {
    mat2 r;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) r.m[i][j] = add(mul(a.m[i][0], b.m[0][j]), mul(a.m[i][1], b.m[1][j]));
    return r;
}

static mat2 identity(void) { return (mat2){{{{1, 0}, {0, 0}}, {{0, 0}, {1, 0}}}}; }

/* P in {X, Y, Z} */
static mat2 pauli(int kind) {
    if (kind == KIND_X) return (mat2){{{{0, 0}, {1, 0}}, {{1, 0}, {0, 0}}}};
    if (kind == KIND_Y) return (mat2){{{{0, 0}, {0, -1}}, {{0, 1}, {0, 0}}}};
    return (mat2){{{{1, 0}, {0, 0}}, {{0, 0}, {-1, 0}}}};
}

/* cos(t/2) I - i sin(t/2) P from phase = (cos(t/2), sin(t/2)) */
static mat2 rotation(int kind, const double *phase) {
    double c = phase[0], s = phase[1];
    mat2 p = pauli(kind), r;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) r.m[i][j] = (cplx){(i == j ? c : 0) + s * p.m[i][j].im, -s * p.m[i][j].re};
    return r;
}

int qrnn_rotation_kinds_valid(const int32_t *kinds, int count) {
    if (count < 1 || count > MAX_ROTATIONS) return 0;
    for (int i = 0; i < count; i++)
        if (kinds[i] < KIND_X || kinds[i] > KIND_Z) return 0;
    return 1;
}

/* phases: gates x count x (cos(t/2), sin(t/2)) of the angles t (the caller computes them in one
 * vectorised pass: a libm sin and cos per angle here cost more than the rest of this file);
 * out: gates x 2 x 2 complex (8 doubles each). */
void qrnn_gates_from_phases(const double *phases, int64_t gates, const int32_t *kinds, int count, double *out) {
    for (int64_t g = 0; g < gates; g++) {
        mat2 u = identity();
        for (int i = 0; i < count; i++) u = product(rotation(kinds[i], phases + 2 * (g * count + i)), u);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                out[8 * g + 4 * i + 2 * j] = u.m[i][j].re;
                out[8 * g + 4 * i + 2 * j + 1] = u.m[i][j].im;
            }
    }
}

/* grad_gates: gates x 8 doubles (PyTorch's gradient of the gates); grad_angles: gates x count. */
void qrnn_angle_gradients(const double *phases, const double *grad_gates, int64_t gates, const int32_t *kinds, int count,
                     double *grad_angles) {
    mat2 rotations[MAX_ROTATIONS], before[MAX_ROTATIONS + 1], after[MAX_ROTATIONS + 1];
    for (int64_t g = 0; g < gates; g++) {
        for (int i = 0; i < count; i++) rotations[i] = rotation(kinds[i], phases + 2 * (g * count + i));
        before[0] = identity();  /* before[i] = R_i ... R_1 (first i rotations) */
        for (int i = 0; i < count; i++) before[i + 1] = product(rotations[i], before[i]);
        after[count] = identity();  /* after[i] = R_m ... R_{i+1} */
        for (int i = count - 1; i >= 0; i--) after[i] = product(after[i + 1], rotations[i]);
        const double *gu = grad_gates + 8 * g;
        for (int i = 0; i < count; i++) {
            mat2 m = product(product(after[i + 1], pauli(kinds[i])), before[i + 1]);
            double imaginary = 0;  /* Im sum conj(gU) * M */
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++) imaginary += gu[4 * a + 2 * b] * m.m[a][b].im - gu[4 * a + 2 * b + 1] * m.m[a][b].re;
            grad_angles[g * count + i] = imaginary / 2;
        }
    }
}
