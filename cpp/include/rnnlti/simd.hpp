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
