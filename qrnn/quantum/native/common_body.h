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
 * entangler's permutation or signs are applied on the way in or out, while the element
 * is in the caches: they cost no trip to memory of their own.
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
 * (WIDE), whose lanes are summed at the end of each pass over an element (or a tile of
 * one; reduce8); float partial sums of full length would lose digits.
 */

typedef REAL NAME(vec) __attribute__((vector_size(VL * sizeof(REAL))));
#define VEC NAME(vec)

static inline VEC NAME(splat)(REAL x) { return (VEC){0} + x; }

static inline VEC *NAME(at)(REAL *p) { return (VEC *)__builtin_assume_aligned(p, VL * sizeof(REAL)); }

/* Loads and stores of the caller's tensors, which need not be 64-byte aligned (views). */
static inline VEC NAME(load)(const REAL *p) { VEC v; memcpy(&v, p, sizeof v); return v; }
static inline void NAME(store)(REAL *p, VEC v) { memcpy(p, &v, sizeof v); }

/* Per-thread planar work space, grown on demand: up to 6 arrays of 2**n reals (a step's
 * backward holds a state, its gradient and a spare pair). */
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

/* Lane sums of eight WIDE accumulators at once: reduce8(w)[e] = sum of w[e]'s lanes. A
 * butterfly of shuffles and adds (three levels over 8-double vectors) instead of one chain
 * of VL dependent adds per sum: the chains cost a quarter of a step's backward at n = 8
 * (its 8 n correlations), about as much as the products they sum. */
typedef double NAME(octet) __attribute__((vector_size(64)));
typedef int64_t NAME(octet_mask) __attribute__((vector_size(64)));
#define OCTET NAME(octet)

static inline __attribute__((always_inline)) OCTET NAME(fold)(WIDE w) {
    OCTET lo, hi;
    if (sizeof w == sizeof lo) { memcpy(&lo, &w, sizeof lo); return lo; }
    memcpy(&lo, &w, sizeof lo);
    memcpy(&hi, (const char *)&w + sizeof lo, sizeof hi);
    return lo + hi;
}

static inline __attribute__((always_inline)) OCTET NAME(reduce8)(const WIDE *w) {
    OCTET h[8], c[4], e[2];
    for (int i = 0; i < 8; i++) h[i] = NAME(fold)(w[i]);
    for (int i = 0; i < 4; i++)  /* lanes 0-3: h[2i]'s halves summed, lanes 4-7: h[2i + 1]'s */
        c[i] = SHUFFLE2(h[2 * i], h[2 * i + 1], NAME(octet_mask), 0, 1, 2, 3, 8, 9, 10, 11) +
               SHUFFLE2(h[2 * i], h[2 * i + 1], NAME(octet_mask), 4, 5, 6, 7, 12, 13, 14, 15);
    for (int i = 0; i < 2; i++)  /* two lanes per sum */
        e[i] = SHUFFLE2(c[2 * i], c[2 * i + 1], NAME(octet_mask), 0, 1, 4, 5, 8, 9, 12, 13) +
               SHUFFLE2(c[2 * i], c[2 * i + 1], NAME(octet_mask), 2, 3, 6, 7, 10, 11, 14, 15);
    return SHUFFLE2(e[0], e[1], NAME(octet_mask), 0, 2, 4, 6, 8, 10, 12, 14) +
           SHUFFLE2(e[0], e[1], NAME(octet_mask), 1, 3, 5, 7, 9, 11, 13, 15);
}

/* out[e] += reduce8(w)[e] for e < count. */
static inline __attribute__((always_inline)) void NAME(add_lane_sums)(const WIDE *w, int count, double *out) {
    OCTET sums = NAME(reduce8)(w);
    for (int e = 0; e < count; e++) out[e] += sums[e];
}

/* 1 in the lanes whose bit d is 0, 0 in the others. */
static inline __attribute__((always_inline)) WIDE NAME(clear_lanes)(int d) {
    WIDE keep;
    for (int j = 0; j < VL; j++) keep[j] = (j & d) ? 0 : 1;
    return keep;
}

/* ---- permutations, splitting and interleaving -------------------------------------------
 * An entangler's permutation comes as a table, new[i] = old[index[i]], that is XOR-linear
 * (index[i ^ j] = index[i] ^ index[j]), as every pattern of CNOTs is: then the 16 (8) lanes
 * of an output vector at v come from index[v] ^ index[lane], i.e. from a few whole source
 * vectors (one per distinct index[lane] / VL) with their lanes shuffled, instead of one
 * scalar load per amplitude (measured 0.2 ms of a 1.6 ms step at n = 14, B = 32). */

typedef INT_LANE NAME(lanes) __attribute__((vector_size(VL * sizeof(REAL))));
#define LANES NAME(lanes)

#if RUNTIME_SHUFFLE
/* The lanes of output vector v come from `groups` source vectors, (index[v] / VL) ^ blocks[g],
 * shuffled by lane ^ (index[v] % VL) and picked by masks[g]. index[v] itself follows from
 * index[v - VL] by one XOR (advance[ctz v]: the index of the bits that flip from v - VL to
 * v), so the table (as large as the state) is not read along the way. */
typedef struct {
    int64_t blocks[VL], advance[64];
    LANES masks[VL], lane;
    int groups;
} NAME(gather_plan);

static void NAME(plan_gather)(const int64_t *index, int64_t length, NAME(gather_plan) *plan) {
    int64_t flipped = 0;
    int b = __builtin_ctzll(VL);
    for (; ((int64_t)1 << b) < length; b++) plan->advance[b] = flipped ^= index[(int64_t)1 << b];
    plan->advance[b] = 0;  /* past the last vector: unused */
    plan->groups = 0;
    plan->lane = (LANES){0};
    for (int l = 0; l < VL; l++) {
        int64_t block = index[l] / VL;
        int g = 0;
        while (g < plan->groups && plan->blocks[g] != block) g++;
        if (g == plan->groups) { plan->blocks[g] = block; plan->masks[g] = (LANES){0}; plan->groups++; }
        plan->masks[g][l] = -1;
        plan->lane[l] = (INT_LANE)(index[l] % VL);
    }
}

/* Index of the vector after v from origin = index[v]. */
static inline int64_t NAME(advance)(const NAME(gather_plan) *plan, int64_t v, int64_t origin) {
    return origin ^ plan->advance[__builtin_ctzll(v + VL)];
}

/* Planar vector v of in[index[.]] from origin = index[v]: (*r, *i). */
static inline void NAME(gather)(const NAME(gather_plan) *plan, const REAL *re, const REAL *im, int64_t origin, VEC *r_out,
                                VEC *i_out) {
    int64_t base = origin / VL;
    LANES shuffle = plan->lane ^ (INT_LANE)(origin % VL);
    LANES r = {0}, i = {0};
    for (int g = 0; g < plan->groups; g++) {
        int64_t source = (base ^ plan->blocks[g]) * VL;
        LANES a = (LANES)__builtin_shuffle(*NAME(at)((REAL *)re + source), shuffle);
        LANES b = (LANES)__builtin_shuffle(*NAME(at)((REAL *)im + source), shuffle);
        r = (a & plan->masks[g]) | (r & ~plan->masks[g]);
        i = (b & plan->masks[g]) | (i & ~plan->masks[g]);
    }
    *r_out = (VEC)r;
    *i_out = (VEC)i;
}
#endif

#if RUNTIME_SHUFFLE
typedef NAME(gather_plan) NAME(plan_room);
#else
typedef char NAME(plan_room);  /* no plans without run-time shuffles */
#endif

/* A gather plan of `index` for states of `length` amplitudes, made once per kernel call
 * (an entry point's batch shares one table): *plan when the vector path uses one, else NULL
 * (clang, or fewer amplitudes than a vector). `storage` is a gather_plan's room. */
static const void *NAME(plan_for)(const int64_t *index, int64_t length, void *storage) {
#if RUNTIME_SHUFFLE
    if (index && length >= VL) {
        NAME(plan_gather)(index, length, (NAME(gather_plan) *)storage);
        return storage;
    }
#endif
    (void)index; (void)length; (void)storage;
    return 0;
}

/* Planar to planar: out[i] = in[index[i]] for an XOR-linear index (`plan`: plan_for's of
 * index, or NULL to make one here). */
static void NAME(permute_linear)(const REAL *re, const REAL *im, REAL *out_re, REAL *out_im, int64_t length, const int64_t *index,
                                 const void *plan_given) {
#if RUNTIME_SHUFFLE
    if (length >= VL) {
        NAME(gather_plan) own;
        const NAME(gather_plan) *plan = plan_given;
        if (!plan) NAME(plan_gather)(index, length, &own), plan = &own;
        for (int64_t v = 0, origin = index[0]; v < length; origin = NAME(advance)(plan, v, origin), v += VL)
            NAME(gather)(plan, re, im, origin, NAME(at)(out_re + v), NAME(at)(out_im + v));
        return;
    }
#endif
    (void)plan_given;
    for (int64_t i = 0; i < length; i++) {
        out_re[i] = re[index[i]];
        out_im[i] = im[index[i]];
    }
}

/* Planar in place: multiply by a diagonal of signs. */
static void NAME(apply_sign)(REAL *re, REAL *im, int64_t length, const REAL *sign) {
    for (int64_t i = 0; i < length; i++) { re[i] *= sign[i]; im[i] *= sign[i]; }
}

/* Planar to planar: out = sign * in[index] (index and sign optional; index XOR-linear; plan
 * as permute_linear's). */
static void NAME(permute)(const REAL *re, const REAL *im, REAL *out_re, REAL *out_im, int64_t length, const int64_t *index,
                          const REAL *sign, const void *plan) {
    if (index) {
        NAME(permute_linear)(re, im, out_re, out_im, length, index, plan);
    } else {
        memcpy(out_re, re, length * sizeof(REAL));
        memcpy(out_im, im, length * sizeof(REAL));
    }
    if (sign) NAME(apply_sign)(out_re, out_im, length, sign);
}

/* Interleaved x into planar (re, im), no permutation. */
static void NAME(deinterleave)(const REAL *x, REAL *re, REAL *im, int64_t length) {
    if (length < VL) {
        for (int64_t i = 0; i < length; i++) { re[i] = x[2 * i]; im[i] = x[2 * i + 1]; }
        return;
    }
    for (int64_t v = 0; v < length; v += VL) {
        VEC a = NAME(load)(x + 2 * v), b = NAME(load)(x + 2 * v + VL);
        *NAME(at)(re + v) = EVEN(a, b);
        *NAME(at)(im + v) = ODD(a, b);
    }
}

/* Interleaved x into planar (re, im): re + i im = sign * x[index] (index and sign optional;
 * with an index, spare_re/spare_im hold the unpermuted planar state on the way; plan as
 * permute_linear's). */
static void NAME(split)(const REAL *x, REAL *re, REAL *im, int64_t length, const int64_t *index, const REAL *sign, REAL *spare_re,
                        REAL *spare_im, const void *plan) {
    NAME(deinterleave)(x, index ? spare_re : re, index ? spare_im : im, length);
    if (index) NAME(permute_linear)(spare_re, spare_im, re, im, length, index, plan);
    if (sign) NAME(apply_sign)(re, im, length, sign);
}

/* Planar (re, im) into interleaved y = sign * (re + i im)[index] (index and sign optional).
 * The permutation's gathered vectors are interleaved and stored at once; without vector
 * shuffles (clang) spare_re/spare_im hold the permuted planar state on the way. */
static void NAME(join)(const REAL *re, const REAL *im, REAL *y, int64_t length, const int64_t *index, const REAL *sign, REAL *spare_re,
                       REAL *spare_im, const void *plan_given) {
    if (length < VL) {
        for (int64_t i = 0; i < length; i++) {
            int64_t j = index ? index[i] : i;
            REAL s = sign ? sign[i] : 1;
            y[2 * i] = s * re[j];
            y[2 * i + 1] = s * im[j];
        }
        return;
    }
#if RUNTIME_SHUFFLE
    NAME(gather_plan) own;
    const NAME(gather_plan) *plan = plan_given;
    int64_t origin = 0;
    if (index) {
        if (!plan) NAME(plan_gather)(index, length, &own), plan = &own;
        origin = index[0];
    }
#else
    if (index) {
        NAME(permute_linear)(re, im, spare_re, spare_im, length, index, plan_given);
        re = spare_re;
        im = spare_im;
        index = 0;
    }
#endif
    for (int64_t v = 0; v < length; v += VL) {
        VEC r, i;
#if RUNTIME_SHUFFLE
        if (index) {
            NAME(gather)(plan, re, im, origin, &r, &i);
            origin = NAME(advance)(plan, v, origin);
        } else
#endif
        {
            r = *NAME(at)((REAL *)re + v);
            i = *NAME(at)((REAL *)im + v);
        }
        if (sign) {
            VEC s = NAME(load)(sign + v);
            r *= s;
            i *= s;
        }
        NAME(store)(y + 2 * v, ZIP_LO(r, i));
        NAME(store)(y + 2 * v + VL, ZIP_HI(r, i));
    }
}


