/* Single-qubit gates from rotation angles, and their backward pass, in double precision.
 *
 * Each gate is U = R_m ... R_2 R_1 for the rotation kinds of one block (applied in that
 * order), R_P(t) = exp(-i t P / 2) = cos(t/2) I - i sin(t/2) P, for every batch element
 * and qubit: the work of qrnn/quantum/gates.py's compose_rotations in one call instead of a
 * few dozen tiny tensor operations (which cost more than a step's arithmetic up to n = 12).
 *
 * Backward: dR_i/dt_i = (-i/2) P_i R_i, so with U = A_i R_i B_i (A_i the rotations after
 * i, B_i those before), dU/dt_i = (-i/2) A_i P_i R_i B_i and, for PyTorch's gradient gU of
 * a complex output, dL/dt_i = Re sum conj(gU) * dU/dt_i = Im(sum conj(gU) * A_i P_i R_i B_i) / 2.
 */

#include <complex.h>
#include <math.h>
#include <stdint.h>

typedef double complex c64;
typedef struct { c64 m[2][2]; } mat2;

enum { KIND_X = 0, KIND_Y = 1, KIND_Z = 2, MAX_ROTATIONS = 8 };

static mat2 product(mat2 a, mat2 b) {
    mat2 r;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) r.m[i][j] = a.m[i][0] * b.m[0][j] + a.m[i][1] * b.m[1][j];
    return r;
}

static mat2 identity(void) { return (mat2){{{1, 0}, {0, 1}}}; }

/* P in {X, Y, Z} */
static mat2 pauli(int kind) {
    if (kind == KIND_X) return (mat2){{{0, 1}, {1, 0}}};
    if (kind == KIND_Y) return (mat2){{{0, -I}, {I, 0}}};
    return (mat2){{{1, 0}, {0, -1}}};
}

static mat2 rotation(int kind, double angle) {
    double c = cos(angle / 2), s = sin(angle / 2);
    mat2 p = pauli(kind), r;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) r.m[i][j] = (i == j ? c : 0) - I * s * p.m[i][j];
    return r;
}

static int valid(const int32_t *kinds, int count) {
    if (count < 1 || count > MAX_ROTATIONS) return 0;
    for (int i = 0; i < count; i++)
        if (kinds[i] < KIND_X || kinds[i] > KIND_Z) return 0;
    return 1;
}

/* angles: gates x count doubles; out: gates x 2 x 2 complex (8 doubles each). */
int qrnn_rotations(const double *angles, int64_t gates, const int32_t *kinds, int count, double *out) {
    if (!valid(kinds, count)) return -2;
    for (int64_t g = 0; g < gates; g++) {
        mat2 u = identity();
        for (int i = 0; i < count; i++) u = product(rotation(kinds[i], angles[g * count + i]), u);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                out[8 * g + 4 * i + 2 * j] = creal(u.m[i][j]);
                out[8 * g + 4 * i + 2 * j + 1] = cimag(u.m[i][j]);
            }
    }
    return 0;
}

/* grad_gates: gates x 8 doubles (PyTorch's gradient of the gates); grad_angles: gates x count. */
int qrnn_rotations_backward(const double *angles, const double *grad_gates, int64_t gates, const int32_t *kinds, int count,
                            double *grad_angles) {
    if (!valid(kinds, count)) return -2;
    mat2 rotations[MAX_ROTATIONS], before[MAX_ROTATIONS + 1], after[MAX_ROTATIONS + 1];
    for (int64_t g = 0; g < gates; g++) {
        for (int i = 0; i < count; i++) rotations[i] = rotation(kinds[i], angles[g * count + i]);
        before[0] = identity();  /* before[i] = R_i ... R_1 (first i rotations) */
        for (int i = 0; i < count; i++) before[i + 1] = product(rotations[i], before[i]);
        after[count] = identity();  /* after[i] = R_m ... R_{i+1} */
        for (int i = count - 1; i >= 0; i--) after[i] = product(after[i + 1], rotations[i]);
        const double *gu = grad_gates + 8 * g;
        for (int i = 0; i < count; i++) {
            mat2 m = product(product(after[i + 1], pauli(kinds[i])), before[i + 1]);
            c64 total = 0;
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++) total += (gu[4 * a + 2 * b] - I * gu[4 * a + 2 * b + 1]) * m.m[a][b];
            grad_angles[g * count + i] = cimag(total) / 2;
        }
    }
    return 0;
}
