/* CPU kernels of the state-vector engine: a whole step (gates from the rotation angles,
 * single-qubit layers, entanglers), its backward pass, and the Pauli readouts, for
 * batches of states.
 *
 * qrnn/quantum/native/build.py compiles this file (with rotations.c) on first use with the
 * machine's C compiler (-O3 -march=native) and calls it through ctypes; without a compiler
 * the PyTorch path of qrnn/quantum/circuit.py, statevector.py and readout.py does the same
 * work (and is the reference the tests compare against). Plain C with GCC/Clang vector extensions: the 64-byte vectors
 * map to AVX-512, or to two AVX2 or four SSE/NEON registers elsewhere.
 *
 * The bodies are written once (common_body.h: vectors, work space, splitting and
 * interleaving; readout_body.h: the Pauli readouts and their backward; layers_body.h: a
 * step and its backward, which can fold the readouts in) and instantiated for float (complex64 states) and
 * double (complex128).
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rotations.h"

/* Largest n the kernels take (their per-qubit tables live on the stack). */
#define MAX_QUBITS 30

/* Gates set up together, a few batch elements' worth (layers_body.h: block_elements). */
#define BLOCK_GATES 256

/* LANE_BIT_SET[b][j]: all bits set if bit b of lane j is (picks between two values per lane). */
static const int64_t LANE_BIT_SET[4][16] = {
    {0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1},
    {0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1, -1},
    {0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0, -1, -1, -1, -1},
    {0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1},
};

/* Lane masks of FLIP: lane j takes lane j ^ d. */
#define MASK16_1 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14
#define MASK16_2 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13
#define MASK16_4 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11
#define MASK16_8 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7
#define MASK8_1 1, 0, 3, 2, 5, 4, 7, 6
#define MASK8_2 2, 3, 0, 1, 6, 7, 4, 5
#define MASK8_4 4, 5, 6, 7, 0, 1, 2, 3

/* Lane masks of EVEN/ODD (the real and imaginary parts of two interleaved vectors) and of
 * ZIP_LO/ZIP_HI (interleaving a real and an imaginary vector back). */
#define EVEN16 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define ODD16 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#define ZIP_LO16 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23
#define ZIP_HI16 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#define EVEN8 0, 2, 4, 6, 8, 10, 12, 14
#define ODD8 1, 3, 5, 7, 9, 11, 13, 15
#define ZIP_LO8 0, 8, 1, 9, 2, 10, 3, 11
#define ZIP_HI8 4, 12, 5, 13, 6, 14, 7, 15

#if defined(__clang__)
#define SHUFFLE(x, mask_type, ...) __builtin_shufflevector((x), (x), __VA_ARGS__)
#define SHUFFLE2(x, y, mask_type, ...) __builtin_shufflevector((x), (y), __VA_ARGS__)
/* Clang has no shuffle by a run-time lane vector: its permutations take the scalar loop. */
#define RUNTIME_SHUFFLE 0
#else
#define SHUFFLE(x, mask_type, ...) __builtin_shuffle((x), (mask_type){__VA_ARGS__})
#define SHUFFLE2(x, y, mask_type, ...) __builtin_shuffle((x), (y), (mask_type){__VA_ARGS__})
#define RUNTIME_SHUFFLE 1
#endif

/* Runs call(D) with D = d as a compile-time constant (d < VL, a power of two): a lane loop
 * written with FLIP(x, D) then shuffles by a fixed pattern, where a run-time d left a
 * switch inside the loop (the lane loops are the readouts' and the backward's hottest). */
#define WITH_LANE_DISTANCE(d, call) \
    do { \
        switch (d) { \
            case 1: call(1); break; \
            case 2: call(2); break; \
            case 4: call(4); break; \
            default: call(VL / 2); break; \
        } \
    } while (0)

/* ---- float: complex64 states ---- */
typedef float f32_vec_flip __attribute__((vector_size(64)));
typedef int32_t f32_mask __attribute__((vector_size(64)));

static inline f32_vec_flip flip_f32(f32_vec_flip x, int d) {
    switch (d) {
        case 1: return SHUFFLE(x, f32_mask, MASK16_1);
        case 2: return SHUFFLE(x, f32_mask, MASK16_2);
        case 4: return SHUFFLE(x, f32_mask, MASK16_4);
        default: return SHUFFLE(x, f32_mask, MASK16_8);
    }
}

#define REAL float
#define INT_LANE int32_t
#define VL 16
#define TILE_BITS 11
#define FLIP(x, d) flip_f32((x), (d))
#define EVEN(a, b) SHUFFLE2((a), (b), f32_mask, EVEN16)
#define ODD(a, b) SHUFFLE2((a), (b), f32_mask, ODD16)
#define ZIP_LO(r, i) SHUFFLE2((r), (i), f32_mask, ZIP_LO16)
#define ZIP_HI(r, i) SHUFFLE2((r), (i), f32_mask, ZIP_HI16)
#define NAME(x) x##_f32
#include "common_body.h"
#include "readout_body.h"
#include "layers_body.h"
#undef REAL
#undef INT_LANE
#undef LANES
#undef VL
#undef TILE_BITS
#undef FLIP
#undef EVEN
#undef ODD
#undef ZIP_LO
#undef ZIP_HI
#undef NAME
#undef VEC
#undef WIDE
#undef WIDEN
#undef FLUSH

/* ---- double: complex128 states ---- */
typedef double f64_vec_flip __attribute__((vector_size(64)));
typedef int64_t f64_mask __attribute__((vector_size(64)));

static inline f64_vec_flip flip_f64(f64_vec_flip x, int d) {
    switch (d) {
        case 1: return SHUFFLE(x, f64_mask, MASK8_1);
        case 2: return SHUFFLE(x, f64_mask, MASK8_2);
        default: return SHUFFLE(x, f64_mask, MASK8_4);
    }
}

#define REAL double
#define INT_LANE int64_t
#define VL 8
#define TILE_BITS 10
#define FLIP(x, d) flip_f64((x), (d))
#define EVEN(a, b) SHUFFLE2((a), (b), f64_mask, EVEN8)
#define ODD(a, b) SHUFFLE2((a), (b), f64_mask, ODD8)
#define ZIP_LO(r, i) SHUFFLE2((r), (i), f64_mask, ZIP_LO8)
#define ZIP_HI(r, i) SHUFFLE2((r), (i), f64_mask, ZIP_HI8)
#define NAME(x) x##_f64
#include "common_body.h"
#include "readout_body.h"
#include "layers_body.h"

/* Lets the loader check that the library it opened is the one built from this source. */
int qrnn_kernels_abi(void) { return 5; }
