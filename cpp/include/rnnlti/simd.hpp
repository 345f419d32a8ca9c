// One SIMD register of T as a GCC/Clang vector extension (kLanes<T> lanes, 64 bytes), and the L x L
// in-register transpose that moves a block of channels between time-last memory and lane-major tiles.
// Vector extensions compile for any x86-64: with -march=native on an AVX-512 machine each Vec is one
// zmm register; in a portable build (RNNLTI_NATIVE=OFF) the compiler splits it into SSE2 registers.
#pragma once

#include <cstring>

#include "common.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace rnnlti {

template <class T>
struct VecOf {
  typedef T type __attribute__((vector_size(64)));
};
template <class T>
using Vec = typename VecOf<T>::type;

template <class T>
inline Vec<T> vload(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
inline void vstore(T* p, const Vec<T>& v) {
  std::memcpy(p, &v, sizeof v);
}
template <class T>
inline Vec<T> vsplat(T s) {
  return Vec<T>{} + s;
}

// a * b + c rounded once, for vectors and scalars alike, so that a scalar loop can reproduce a vector
// lane bit for bit (left to the compiler, the contraction of a * b + c differs between the two).
template <class T>
__attribute__((always_inline)) inline Vec<T> vfma(const Vec<T>& a, const Vec<T>& b, const Vec<T>& c) {
#if defined(__AVX512F__)
  if constexpr (sizeof(T) == 8)
    return (Vec<T>)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
  else
    return (Vec<T>)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#else
  return a * b + c;
#endif
}
// c - a * b rounded once.
template <class T>
__attribute__((always_inline)) inline Vec<T> vfnma(const Vec<T>& a, const Vec<T>& b, const Vec<T>& c) {
#if defined(__AVX512F__)
  if constexpr (sizeof(T) == 8)
    return (Vec<T>)_mm512_fnmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
  else
    return (Vec<T>)_mm512_fnmadd_ps((__m512)a, (__m512)b, (__m512)c);
#else
  return c - a * b;
#endif
}
template <class T>
__attribute__((always_inline)) inline T sfma(T a, T b, T c) {
#if defined(__AVX512F__)
  return __builtin_fma(a, b, c);
#else
  return a * b + c;
#endif
}

namespace detail {

// Index vectors of the log2(L) butterfly stages of an L x L transpose: stage s (block size d = 2^s)
// swaps the off-diagonal d x d blocks of rows i and i + d.  lo picks a[j] or b[j - d], hi a[j + d] or b[j].
template <class I, int L>
struct TransposeIdx {
  I lo[4][L], hi[4][L];
  constexpr TransposeIdx() : lo(), hi() {
    int s = 0;
    for (int d = 1; d < L; d *= 2, ++s)
      for (int j = 0; j < L; ++j) {
        lo[s][j] = (j & d) ? I(L + j - d) : I(j);
        hi[s][j] = (j & d) ? I(L + j) : I(j + d);
      }
  }
};

#if defined(__AVX512F__)
inline constexpr TransposeIdx<long long, 8> kIdx8{};
inline constexpr TransposeIdx<int, 16> kIdx16{};

__attribute__((always_inline)) inline void transpose_regs(__m512d* r) {
  int s = 0;
  for (int d = 1; d < 8; d *= 2, ++s) {
    const __m512i lo = _mm512_loadu_si512(kIdx8.lo[s]), hi = _mm512_loadu_si512(kIdx8.hi[s]);
    for (int i = 0; i < 8; ++i)
      if (!(i & d)) {
        const __m512d a = r[i], b = r[i + d];
        r[i] = _mm512_permutex2var_pd(a, lo, b);
        r[i + d] = _mm512_permutex2var_pd(a, hi, b);
      }
  }
}
__attribute__((always_inline)) inline void transpose_regs(__m512* r) {
  int s = 0;
  for (int d = 1; d < 16; d *= 2, ++s) {
    const __m512i lo = _mm512_loadu_si512(kIdx16.lo[s]), hi = _mm512_loadu_si512(kIdx16.hi[s]);
    for (int i = 0; i < 16; ++i)
      if (!(i & d)) {
        const __m512 a = r[i], b = r[i + d];
        r[i] = _mm512_permutex2var_ps(a, lo, b);
        r[i + d] = _mm512_permutex2var_ps(a, hi, b);
      }
  }
}
template <class T>
struct RegOfT;
template <>
struct RegOfT<double> {
  using type = __m512d;
};
template <>
struct RegOfT<float> {
  using type = __m512;
};
template <class T>
using RegOf = typename RegOfT<T>::type;
#endif

}  // namespace detail

// r[j][i] = rows[i][off + j] for i, j < L: L samples of L channels into L lane vectors (one per sample).
template <class T>
__attribute__((always_inline)) inline void transpose_in_regs(const T* const* rows, index_t off, Vec<T>* r) {
  constexpr int L = kLanes<T>;
#if defined(__AVX512F__)
  detail::RegOf<T> m[L];
  for (int i = 0; i < L; ++i) std::memcpy(&m[i], rows[i] + off, 64);
  detail::transpose_regs(m);
  for (int j = 0; j < L; ++j) r[j] = (Vec<T>)m[j];
#else
  for (int i = 0; i < L; ++i)
    for (int j = 0; j < L; ++j) r[j][i] = rows[i][off + j];
#endif
}

// rows[i][off + j] = r[j][i]: the inverse of transpose_in_regs.
template <class T>
__attribute__((always_inline)) inline void transpose_out_regs(const Vec<T>* r, T* const* rows, index_t off) {
  constexpr int L = kLanes<T>;
#if defined(__AVX512F__)
  detail::RegOf<T> m[L];
  for (int j = 0; j < L; ++j) m[j] = (detail::RegOf<T>)r[j];
  detail::transpose_regs(m);
  for (int i = 0; i < L; ++i) std::memcpy(rows[i] + off, &m[i], 64);
#else
  for (int i = 0; i < L; ++i)
    for (int j = 0; j < L; ++j) rows[i][off + j] = r[j][i];
#endif
}

// dst[j * L + i] = rows[i][off + j] for i, j < L = kLanes<T>: L samples of L channels into lane-major rows.
// The time group of the fused loops: L steps for double (an 8 x 8 transpose), 8 for float, where a
// full 16 x 16 transpose needs more registers than there are and spills.
template <class T>
inline constexpr int kStepGroup = sizeof(T) == 4 ? 8 : kLanes<T>;

#if defined(__AVX512F__)
namespace detail {
// 8 x 8 transposes inside both 256-bit halves of 16-lane vectors.
struct HalfTransposeIdx {
  int lo[3][16], hi[3][16];
  constexpr HalfTransposeIdx() : lo(), hi() {
    int s = 0;
    for (int d = 1; d < 8; d *= 2, ++s)
      for (int j = 0; j < 16; ++j) {
        const int h = j & 8, jj = j & 7;
        lo[s][j] = (jj & d) ? 16 + h + jj - d : h + jj;
        hi[s][j] = (jj & d) ? 16 + h + jj : h + jj + d;
      }
  }
};
inline constexpr HalfTransposeIdx kHalfIdx{};

__attribute__((always_inline)) inline void transpose_halves(__m512* r) {
  int s = 0;
  for (int d = 1; d < 8; d *= 2, ++s) {
    const __m512i lo = _mm512_loadu_si512(kHalfIdx.lo[s]), hi = _mm512_loadu_si512(kHalfIdx.hi[s]);
    for (int i = 0; i < 8; ++i)
      if (!(i & d)) {
        const __m512 a = r[i], b = r[i + d];
        r[i] = _mm512_permutex2var_ps(a, lo, b);
        r[i + d] = _mm512_permutex2var_ps(a, hi, b);
      }
  }
}
}  // namespace detail
#endif

// r[t] = (rows[0][off + t], ..., rows[15][off + t]) for t < 8: 16 float rows, 8 steps.
__attribute__((always_inline)) inline void transpose_in_regs_16x8(const float* const* rows, index_t off, Vec<float>* r) {
#if defined(__AVX512F__)
  __m512 m[8];
  for (int i = 0; i < 8; ++i)
    m[i] = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(rows[i] + off)), _mm256_loadu_ps(rows[i + 8] + off), 1);
  detail::transpose_halves(m);
  for (int t = 0; t < 8; ++t) r[t] = (Vec<float>)m[t];
#else
  for (int t = 0; t < 8; ++t)
    for (int i = 0; i < 16; ++i) r[t][i] = rows[i][off + t];
#endif
}

// The inverse: rows[i][off + t] = r[t][i].
__attribute__((always_inline)) inline void transpose_out_regs_16x8(const Vec<float>* r, float* const* rows, index_t off) {
#if defined(__AVX512F__)
  __m512 m[8];
  for (int t = 0; t < 8; ++t) m[t] = (__m512)r[t];
  detail::transpose_halves(m);
  for (int i = 0; i < 8; ++i) {
    _mm256_storeu_ps(rows[i] + off, _mm512_castps512_ps256(m[i]));
    _mm256_storeu_ps(rows[i + 8] + off, _mm512_extractf32x8_ps(m[i], 1));
  }
#else
  for (int t = 0; t < 8; ++t)
    for (int i = 0; i < 16; ++i) rows[i][off + t] = r[t][i];
#endif
}

// One time group of the fused loops (kStepGroup<T> steps of kLanes<T> rows), in and out.
__attribute__((always_inline)) inline void group_in(const double* const* rows, index_t off, Vec<double>* r) {
  transpose_in_regs(rows, off, r);
}
__attribute__((always_inline)) inline void group_in(const float* const* rows, index_t off, Vec<float>* r) {
  transpose_in_regs_16x8(rows, off, r);
}
__attribute__((always_inline)) inline void group_out(const Vec<double>* r, double* const* rows, index_t off) {
  transpose_out_regs(r, rows, off);
}
__attribute__((always_inline)) inline void group_out(const Vec<float>* r, float* const* rows, index_t off) {
  transpose_out_regs_16x8(r, rows, off);
}

// Steps of a streamed output group: one full 64-byte line of every row (a partial line written
// non-temporally costs a read-modify-write in memory).
template <class T>
inline constexpr int kStreamGroup = 64 / int(sizeof(T));

// The output of kStreamGroup<T> steps r[] of kLanes<T> rows, transposed and written with
// non-temporal stores: the lines go to memory without first being read into the cache (which an
// ordinary store to an uncached line does), a third less memory traffic for outputs larger than the
// cache.  rows[i] + off must be 64-byte aligned; the stores are weakly ordered, so the writer ends
// with stream_fence().
__attribute__((always_inline)) inline void stream_out(const Vec<double>* r, double* const* rows, index_t off) {
#if defined(__AVX512F__)
  __m512d m[8];
  for (int j = 0; j < 8; ++j) m[j] = (__m512d)r[j];
  detail::transpose_regs(m);
  for (int i = 0; i < 8; ++i) _mm512_stream_pd(rows[i] + off, m[i]);
#else
  transpose_out_regs(r, rows, off);
#endif
}
__attribute__((always_inline)) inline void stream_out(const Vec<float>* r, float* const* rows, index_t off) {
#if defined(__AVX512F__)
  // Two 16 x 8 half transposes; row i's 16 samples are the low halves of both, row i + 8's the high.
  __m512 a[8], b[8];
  for (int t = 0; t < 8; ++t) a[t] = (__m512)r[t], b[t] = (__m512)r[t + 8];
  detail::transpose_halves(a);
  detail::transpose_halves(b);
  for (int i = 0; i < 8; ++i) {
    _mm512_stream_ps(rows[i] + off, _mm512_shuffle_f32x4(a[i], b[i], 0x44));
    _mm512_stream_ps(rows[i + 8] + off, _mm512_shuffle_f32x4(a[i], b[i], 0xEE));
  }
#else
  transpose_out_regs_16x8(r, rows, off);
  transpose_out_regs_16x8(r + 8, rows, off + 8);
#endif
}
// One vector to 64-byte-aligned memory, non-temporally.
__attribute__((always_inline)) inline void vstream(double* p, const Vec<double>& v) {
#if defined(__AVX512F__)
  _mm512_stream_pd(p, (__m512d)v);
#else
  vstore(p, v);
#endif
}
__attribute__((always_inline)) inline void vstream(float* p, const Vec<float>& v) {
#if defined(__AVX512F__)
  _mm512_stream_ps(p, (__m512)v);
#else
  vstore(p, v);
#endif
}
// Asks for the cache lines of the vector at p ahead of its use (both, where it straddles a line
// boundary); Write: for a store.
template <bool Write = false, class T>
__attribute__((always_inline)) inline void prefetch_vector(const T* p) {
  __builtin_prefetch(p, Write);
  __builtin_prefetch(p + kLanes<T> - 1, Write);
}

inline void stream_fence() {
#if defined(__AVX512F__)
  _mm_sfence();
#endif
}

// Outputs of at least this many bytes are written with non-temporal stores: they do not fit in the
// last-level cache anyway, so reading their lines in before writing them is wasted traffic.
inline constexpr index_t kStreamMinBytes = index_t(16) << 20;

template <class T>
inline void transpose_in(const T* const* rows, index_t off, T* dst) {
  constexpr int L = kLanes<T>;
#if defined(__AVX512F__)
  detail::RegOf<T> r[L];
  for (int i = 0; i < L; ++i) std::memcpy(&r[i], rows[i] + off, 64);
  detail::transpose_regs(r);
  for (int j = 0; j < L; ++j) std::memcpy(dst + j * L, &r[j], 64);
#else
  for (int i = 0; i < L; ++i)
    for (int j = 0; j < L; ++j) dst[j * L + i] = rows[i][off + j];
#endif
}

// rows[i][off + j] = src[j * L + i]: the inverse of transpose_in.
template <class T>
inline void transpose_out(const T* src, T* const* rows, index_t off) {
  constexpr int L = kLanes<T>;
#if defined(__AVX512F__)
  detail::RegOf<T> r[L];
  for (int j = 0; j < L; ++j) std::memcpy(&r[j], src + j * L, 64);
  detail::transpose_regs(r);
  for (int i = 0; i < L; ++i) std::memcpy(rows[i] + off, &r[i], 64);
#else
  for (int i = 0; i < L; ++i)
    for (int j = 0; j < L; ++j) rows[i][off + j] = src[j * L + i];
#endif
}

}  // namespace rnnlti
