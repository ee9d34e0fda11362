/* Gates from rotation angles and the angles' gradients (rotations.c), for the step kernels. */
#ifndef QRNN_ROTATIONS_H
#define QRNN_ROTATIONS_H

#include <stdint.h>

enum { KIND_X = 0, KIND_Y = 1, KIND_Z = 2, MAX_ROTATIONS = 8 };

/* 1 if every kind is X, Y or Z and 1 <= count <= MAX_ROTATIONS. */
int qrnn_rotation_kinds_valid(const int32_t *kinds, int count);

/* (cos(t/2), sin(t/2)) of count angles t into phases (count x 2). */
void qrnn_half_angle_phases(const double *angles, int64_t count, double *phases);

/* Phases (elements x layers x n x count x 2) of batch elements element .. element + elements - 1
 * from a step's angles: with `encoding` (n angles at e * encoding_stride for element e) the
 * first rotation of every gate is the encoding RY, at its angle in layer 0 and at 0 after; the
 * others come from `variational` (layers x n x (count - 1 or count) angles at e *
 * variational_stride). angle_types: bit 0 set if encoding holds doubles (else floats), bit 1
 * the same for variational. angles: elements x layers x n x count doubles of work space. */
void qrnn_step_phases(const void *encoding, int64_t encoding_stride, const void *variational, int64_t variational_stride,
                      int angle_types, int64_t element, int64_t elements, int layers, int n, int count, double *angles,
                      double *phases);

/* Every gate U = R_count ... R_1 is in SU(2), U = [[a, -conj b], [b, conj a]]: its first column
 * (a, b) from phases (gates x count x (cos(t/2), sin(t/2))) into columns, 4 arrays of `gates`
 * doubles (a.re, a.im, b.re, b.im). */
void qrnn_gate_columns(const double *phases, int64_t gates, const int32_t *kinds, int count, double *columns);

/* U = diag(u, v) RY diag(1, conj(u v)) with RY = [[c, -s], [s, c]], c = |a|, s = |b|, u = a / c,
 * v = b / s (1 where c or s is 0), from qrnn_gate_columns' columns: factors, 6 arrays of
 * `gates` doubles (c, s, u.re, u.im, v.re, v.im). */
void qrnn_gate_factors(const double *columns, int64_t gates, double *factors);

/* correlations: gates x 8 doubles, C = gy y^H of each gate's output y and its gradient gy (the gate's
 * gradient is C G); work: 8 x gates doubles; grad_angles: gates x count, overwritten. */
void qrnn_angle_gradients(const double *phases, const double *correlations, int64_t gates, const int32_t *kinds, int count,
                          double *work, double *grad_angles);

#endif
