// Hand-written small products for the per-step work of the vector RNN:
//     out[r][j] += sum_{k<K} a[r][k] * bp[k * ldb + j],   r < rows, j < ncols,
// where each row of `a` and `out` is reached through a pointer (the rows of one time step of several
// sequences are T*N apart) and `bp` is a weight matrix packed once per call with ldb a multiple of the
// SIMD width (zero columns beyond ncols).  At the RNN's step sizes ((B_thread x N) x (N x N), N = 32..512)
// Eigen's GEMM spends more time in its dispatch and packing than in arithmetic; this kernel has none.
//
// Every out[r][j] is summed in the same order (k increasing, one FMA chain) however the rows and columns
// are blocked, so results never depend on the blocking or on the number of threads.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "activation.hpp"
#include "common.hpp"

namespace rnnlti {

template <class T>
using Packet = typename Eigen::internal::packet_traits<T>::type;
template <class T>
inline constexpr int kPacket = Eigen::internal::unpacket_traits<Packet<T>>::size;

// Columns of a packed weight matrix: ncols rounded up to whole packets.
template <class T>
inline index_t packed_ld(index_t ncols) {
  return (ncols + kPacket<T> - 1) / kPacket<T> * kPacket<T>;
}

namespace detail {

// Loads `count` (<= packet size) values, zero beyond: the last, partial packet of a row.
template <class T>
inline Packet<T> load_part(const T* p, int count) {
  using namespace Eigen::internal;
  if (count == kPacket<T>) return ploadu<Packet<T>>(p);
  alignas(64) T tmp[kPacket<T>] = {};
  for (int i = 0; i < count; ++i) tmp[i] = p[i];
  return pload<Packet<T>>(tmp);
}

template <class T>
inline void store_part(T* p, const Packet<T>& v, int count) {
  using namespace Eigen::internal;
  if (count == kPacket<T>) return pstoreu(p, v);
  alignas(64) T tmp[kPacket<T>];
  pstore(tmp, v);
  for (int i = 0; i < count; ++i) p[i] = tmp[i];
}

// R rows x NV packets of columns starting at j0, of which `valid` are real; k in [k0, k1).  The sums
// start from in[r] (out[r] itself, or another row of the same shape).
template <int R, int NV, class T>
inline void micro(const T* const* a, index_t k0, index_t k1, const T* bp, index_t ldb, T* const* out,
                  const T* const* in, index_t j0, int valid) {
  using namespace Eigen::internal;
  using P = Packet<T>;
  constexpr int L = kPacket<T>;
  P acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = load_part(in[r] + j0 + v * L, std::clamp(valid - v * L, 0, L));
  const T* a_r[R];
  for (int r = 0; r < R; ++r) a_r[r] = a[r];
  const T* brow = bp + k0 * ldb + j0;
  for (index_t k = k0; k < k1; ++k, brow += ldb) {
    P bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = ploadu<P>(brow + v * L);
    for (int r = 0; r < R; ++r) {
      const P av = pset1<P>(a_r[r][k]);
      for (int v = 0; v < NV; ++v) acc[r][v] = pmadd(av, bv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) {
      const int count = std::clamp(valid - v * L, 0, L);
      if (count > 0) store_part(out[r] + j0 + v * L, acc[r][v], count);
    }
}

template <int R, class T>
inline void micro_nv(int nv, const T* const* a, index_t k0, index_t k1, const T* bp, index_t ldb, T* const* out,
                     const T* const* in, index_t j0, int valid) {
  switch (nv) {
    case 1: return micro<R, 1>(a, k0, k1, bp, ldb, out, in, j0, valid);
    case 2: return micro<R, 2>(a, k0, k1, bp, ldb, out, in, j0, valid);
    case 3: return micro<R, 3>(a, k0, k1, bp, ldb, out, in, j0, valid);
    default: return micro<R, 4>(a, k0, k1, bp, ldb, out, in, j0, valid);
  }
}

}  // namespace detail

// out[r][j] = in[r][j] + sum_{k<K} a[r][k] * bp[k*ldb + j] for r < rows, j < ncols (see the file
// comment); `in` null means out itself (out += ...).  Reading the start from another row saves a copy.
template <class T>
void small_gemm_rows(index_t rows, const T* const* a, index_t K, const T* bp, index_t ldb, index_t ncols,
                     T* const* out, const T* const* in = nullptr) {
  constexpr int L = kPacket<T>;
  constexpr index_t kc = 128;  // a 128 x 64-float panel of bp (32 KiB) stays in L1 across the row groups
  const index_t nvec = (ncols + L - 1) / L;
  for (index_t k0 = 0; k0 < K; k0 += kc) {
    const index_t k1 = std::min(K, k0 + kc);
    const T* const* start = k0 == 0 && in ? in : out;  // later panels continue from out
    for (index_t v0 = 0; v0 < nvec; v0 += 4) {
      const int nv = int(std::min<index_t>(4, nvec - v0));
      const index_t j0 = v0 * L;
      const int valid = int(std::min<index_t>(ncols - j0, nv * L));
      index_t r = 0;
      for (; r + 4 <= rows; r += 4) detail::micro_nv<4>(nv, a + r, k0, k1, bp, ldb, out + r, start + r, j0, valid);
      switch (rows - r) {
        case 3: detail::micro_nv<3>(nv, a + r, k0, k1, bp, ldb, out + r, start + r, j0, valid); break;
        case 2: detail::micro_nv<2>(nv, a + r, k0, k1, bp, ldb, out + r, start + r, j0, valid); break;
        case 1: detail::micro_nv<1>(nv, a + r, k0, k1, bp, ldb, out + r, start + r, j0, valid); break;
        default: break;
      }
    }
  }
}

// h[i] = g(h[i]) for i < n, in place, with the same SIMD code for every element whatever the row's
// alignment or length (so the bits of an element never depend on where it sits).
template <Activation A, class T>
inline void activate_row(T* h, index_t n) {
  using namespace Eigen::internal;
  using P = Packet<T>;
  constexpr int L = kPacket<T>;
  if constexpr (A == Activation::Identity) {
    return;
  } else if constexpr (A == Activation::Relu) {
    for (index_t i = 0; i < n; ++i) h[i] = activate<A>(h[i]);
  } else if constexpr (A == Activation::Tanh && !packet_traits<T>::HasTanh) {
    for (index_t i = 0; i < n; ++i) h[i] = std::tanh(h[i]);
  } else {
    auto f = [](const P& x) {
      if constexpr (A == Activation::Tanh) return ptanh(x);
      else return pdiv(pset1<P>(T(1)), padd(pset1<P>(T(1)), pexp(pnegate(x))));  // sigmoid
    };
    index_t i = 0;
    for (; i + L <= n; i += L) pstoreu(h + i, f(ploadu<P>(h + i)));
    if (i < n) detail::store_part(h + i, f(detail::load_part(h + i, int(n - i))), int(n - i));
  }
}

// dxi[i] = g'(xi[i]) * dh[i], with g' computed from h = g(xi).  tanh' is written (1 - h)(1 + h), not
// 1 - h*h: the compiler may fuse the latter into an FMA in the vectorised loop and not in its scalar
// remainder, and which elements fall in the remainder depends on how the columns are split.
template <Activation A, class T>
inline void activation_vjp_row(const T* h, const T* dh, T* dxi, index_t n) {
  for (index_t i = 0; i < n; ++i) {
    T d;
    if constexpr (A == Activation::Tanh) d = (T(1) - h[i]) * (T(1) + h[i]);
    else d = derivative_from_output<A>(h[i]);
    dxi[i] = d * dh[i];
  }
}

}  // namespace rnnlti
