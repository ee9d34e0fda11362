/* Gates from rotation angles and the angles' gradients (rotations.c), for the step kernels. */
#ifndef QRNN_ROTATIONS_H
#define QRNN_ROTATIONS_H

#include <stdint.h>

enum { KIND_X = 0, KIND_Y = 1, KIND_Z = 2, MAX_ROTATIONS = 8 };

/* 1 if every kind is X, Y or Z and 1 <= count <= MAX_ROTATIONS. */
int qrnn_rotation_kinds_valid(const int32_t *kinds, int count);

/* phases: gates x count x (cos(t/2), sin(t/2)); out: gates x 2 x 2 complex (8 doubles each). */
void qrnn_gates_from_phases(const double *phases, int64_t gates, const int32_t *kinds, int count, double *out);

/* grad_gates: gates x 8 doubles (PyTorch's gradient of the gates); grad_angles: gates x count, overwritten. */
void qrnn_angle_gradients(const double *phases, const double *grad_gates, int64_t gates, const int32_t *kinds, int count,
                     double *grad_angles);

#endif
