// Hand-written products for the vector RNN and its readout:
//     out[r][j] += sum_{k<K} a[r][k] * bp[k * ldb + j],   r < rows, j < ncols,
// where each row of `a` and `out` is reached through a pointer (the rows of one time step of several
// sequences are T*N apart) and `bp` is a weight matrix packed once per call with ldb a multiple of the
// SIMD width (zero columns beyond ncols); and the weight gradients' C += A^T B over many rows, read
// straight from the row-major A and B.  At the RNN's step sizes ((B_thread x N) x (N x N), N = 32..512)
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

// Writes a finished packet of sums: dst[0, count) = v.  The default epilogue of the kernels below; an
// epilogue is called as epi(dst, r, j, v, count) for row r (of the whole call) and columns [j, j+count).
struct StoreSums {
  template <class T, class P>
  void operator()(T* dst, index_t, index_t, const P& v, int count) const {
    store_part(dst, v, count);
  }
};

// R rows x NV packets of columns starting at j0, of which `valid` are real; k in [k0, k0 + kn).  The
// sums start from in[r] (out[r] itself, or another row of the same shape) and go to epi (rows r0 + r of
// the call).  Full (valid == NV packets) has plain loads and stores only: with the partial ones' stack
// buffers in the same function, GCC kept the accumulators in memory.
template <int R, int NV, bool Full, class T, class Epi>
inline void micro(const T* const* a, index_t as, index_t k0, index_t kn, const T* brow, index_t ldb, T* const* out,
                  const T* const* in, index_t j0, int valid, index_t r0, const Epi& epi) {
  using namespace Eigen::internal;
  using P = Packet<T>;
  constexpr int L = kPacket<T>;
  P acc[R][NV];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) {
      const T* src = in[r] + j0 + v * L;
      if constexpr (Full) acc[r][v] = ploadu<P>(src);
      else acc[r][v] = load_part(src, std::clamp(valid - v * L, 0, L));
    }
  const T* a_r[R];
  for (int r = 0; r < R; ++r) a_r[r] = a[r] + k0 * as;
  for (index_t k = 0, ak = 0; k < kn; ++k, ak += as, brow += ldb) {
    P bv[NV];
    for (int v = 0; v < NV; ++v) {
      bv[v] = ploadu<P>(brow + v * L);
      // Keeps bv[v] in a register: GCC folds the load into every row's FMA otherwise, and the loads,
      // not the FMAs, then bound the kernel (4 x 4 tiles in L1: 184 against 230 GFLOP/s a core).
      __asm__("" : "+v"(bv[v]));
    }
    for (int r = 0; r < R; ++r) {
      const P av = pset1<P>(a_r[r][ak]);
      for (int v = 0; v < NV; ++v) acc[r][v] = pmadd(av, bv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) {
      const int count = Full ? L : std::clamp(valid - v * L, 0, L);
      if (count > 0) epi(out[r] + j0 + v * L, r0 + r, j0 + v * L, acc[r][v], count);
    }
}

template <int R, class T, class Epi>
inline void micro_nv(int nv, const T* const* a, index_t as, index_t k0, index_t kn, const T* brow, index_t ldb,
                     T* const* out, const T* const* in, index_t j0, int valid, index_t r0, const Epi& epi) {
  constexpr int L = kPacket<T>;
  if (valid == nv * L) {
    switch (nv) {
      case 1: return micro<R, 1, true>(a, as, k0, kn, brow, ldb, out, in, j0, valid, r0, epi);
      case 2: return micro<R, 2, true>(a, as, k0, kn, brow, ldb, out, in, j0, valid, r0, epi);
      case 3: return micro<R, 3, true>(a, as, k0, kn, brow, ldb, out, in, j0, valid, r0, epi);
      default: return micro<R, 4, true>(a, as, k0, kn, brow, ldb, out, in, j0, valid, r0, epi);
    }
  }
  switch (nv) {
    case 1: return micro<R, 1, false>(a, as, k0, kn, brow, ldb, out, in, j0, valid, r0, epi);
    case 2: return micro<R, 2, false>(a, as, k0, kn, brow, ldb, out, in, j0, valid, r0, epi);
    case 3: return micro<R, 3, false>(a, as, k0, kn, brow, ldb, out, in, j0, valid, r0, epi);
    default: return micro<R, 4, false>(a, as, k0, kn, brow, ldb, out, in, j0, valid, r0, epi);
  }
}

// One row, NV packets of columns from j0: the sums of micro<1, NV>, each split into two FMA chains (even
// and odd k) added at the end.  With a single row the step is a chain of kn dependent FMAs per column,
// four cycles each, and nothing else to overlap them with; two chains halve that latency.
template <int NV, bool Full, class T, class Epi>
inline void micro_two_chains(const T* a, index_t kn, const T* brow, index_t ldb, T* out, const T* in, index_t j0,
                             int valid, const Epi& epi) {
  using namespace Eigen::internal;
  using P = Packet<T>;
  constexpr int L = kPacket<T>;
  P even[NV], odd[NV];
  for (int v = 0; v < NV; ++v) {
    const T* src = in + j0 + v * L;
    if constexpr (Full) even[v] = ploadu<P>(src);
    else even[v] = load_part(src, std::clamp(valid - v * L, 0, L));
    odd[v] = pset1<P>(T(0));
  }
  index_t k = 0;
  for (; k + 2 <= kn; k += 2, brow += 2 * ldb) {
    const P a0 = pset1<P>(a[k]), a1 = pset1<P>(a[k + 1]);
    for (int v = 0; v < NV; ++v) {
      even[v] = pmadd(a0, ploadu<P>(brow + v * L), even[v]);
      odd[v] = pmadd(a1, ploadu<P>(brow + ldb + v * L), odd[v]);
    }
  }
  if (k < kn) {
    const P a0 = pset1<P>(a[k]);
    for (int v = 0; v < NV; ++v) even[v] = pmadd(a0, ploadu<P>(brow + v * L), even[v]);
  }
  for (int v = 0; v < NV; ++v) {
    const int count = Full ? L : std::clamp(valid - v * L, 0, L);
    if (count > 0) epi(out + j0 + v * L, index_t(0), j0 + v * L, padd(even[v], odd[v]), count);
  }
}

template <class T, class Epi>
inline void micro_two_chains_nv(int nv, const T* a, index_t kn, const T* brow, index_t ldb, T* out, const T* in,
                                index_t j0, int valid, const Epi& epi) {
  constexpr int L = kPacket<T>;
  if (valid == nv * L) {
    switch (nv) {
      case 1: return micro_two_chains<1, true>(a, kn, brow, ldb, out, in, j0, valid, epi);
      case 2: return micro_two_chains<2, true>(a, kn, brow, ldb, out, in, j0, valid, epi);
      case 3: return micro_two_chains<3, true>(a, kn, brow, ldb, out, in, j0, valid, epi);
      default: return micro_two_chains<4, true>(a, kn, brow, ldb, out, in, j0, valid, epi);
    }
  }
  switch (nv) {
    case 1: return micro_two_chains<1, false>(a, kn, brow, ldb, out, in, j0, valid, epi);
    case 2: return micro_two_chains<2, false>(a, kn, brow, ldb, out, in, j0, valid, epi);
    case 3: return micro_two_chains<3, false>(a, kn, brow, ldb, out, in, j0, valid, epi);
    default: return micro_two_chains<4, false>(a, kn, brow, ldb, out, in, j0, valid, epi);
  }
}

// One panel of kn values of k from k0: out[r][j] = start[r][j] + sum_{k<kn} a[r][(k0 + k) * as] *
// brow[k * ldb + j] for r < rows, j < ncols.  brow's rows are read in whole packets up to ncols
// rounded up.  two_chains: a single row (rows == 1, as == 1) summed by micro_two_chains.
template <class T, class Epi = StoreSums>
void panel(index_t rows, const T* const* a, index_t as, index_t k0, index_t kn, const T* brow, index_t ldb,
           index_t ncols, T* const* out, const T* const* start, const Epi& epi = Epi{}, bool two_chains = false) {
  constexpr int L = kPacket<T>;
  const index_t nvec = (ncols + L - 1) / L;
  for (index_t v0 = 0; v0 < nvec; v0 += 4) {
    const int nv = int(std::min<index_t>(4, nvec - v0));
    const index_t j0 = v0 * L;
    const int valid = int(std::min<index_t>(ncols - j0, nv * L));
    const T* b = brow + j0;
    if (two_chains) {
      micro_two_chains_nv(nv, a[0] + k0, kn, b, ldb, out[0], start[0], j0, valid, epi);
      continue;
    }
    index_t r = 0;
    for (; r + 4 <= rows; r += 4) micro_nv<4>(nv, a + r, as, k0, kn, b, ldb, out + r, start + r, j0, valid, r, epi);
    switch (rows - r) {
      case 3: micro_nv<3>(nv, a + r, as, k0, kn, b, ldb, out + r, start + r, j0, valid, r, epi); break;
      case 2: micro_nv<2>(nv, a + r, as, k0, kn, b, ldb, out + r, start + r, j0, valid, r, epi); break;
      case 1: micro_nv<1>(nv, a + r, as, k0, kn, b, ldb, out + r, start + r, j0, valid, r, epi); break;
      default: break;
    }
  }
}

// Rows of k per panel: a 64 x 64-float block of the right operand stays in L1 while every row group
// passes over it.  (With 128 rows and a 512-byte row stride, the block's lines crowded into half of
// L1's sets and were evicted: 153 against 214 GFLOP/s on the dV product.)
inline constexpr index_t kPanel = 64;

}  // namespace detail

// out[r][j] = in[r][j] + sum_{k<K} a[r][k] * bp[k*ldb + j] for r < rows, j < ncols (see the file
// comment); `in` null means out itself (out += ...).  Reading the start from another row saves a copy.
// The finished sums go through epi (StoreSums: stored to out), so that the caller can finish them while
// they are still in registers; K must then be positive.  two_chains (rows == 1 only): each sum in two
// FMA chains (micro_two_chains), another summation order, so callers choose it by sizes alone, never
// by the number of threads.
template <class T, class Epi = detail::StoreSums>
void small_gemm_rows(index_t rows, const T* const* a, index_t K, const T* bp, index_t ldb, index_t ncols,
                     T* const* out, const T* const* in = nullptr, const Epi& epi = Epi{}, bool two_chains = false) {
  for (index_t k0 = 0; k0 < K; k0 += detail::kPanel) {
    const T* const* start = k0 == 0 && in ? in : out;  // later panels continue from out
    const index_t kn = std::min(K, k0 + detail::kPanel) - k0;
    if (k0 + kn < K) detail::panel(rows, a, 1, k0, kn, bp + k0 * ldb, ldb, ncols, out, start, detail::StoreSums{}, two_chains);
    else detail::panel(rows, a, 1, k0, kn, bp + k0 * ldb, ldb, ncols, out, start, epi, two_chains);
  }
}

// C (rows x ncols, leading dimension ldc) = bias + A bp for row-major A (rows x K, lda) and bp packed
// as above (K x ncols, ldb a multiple of the packet, zero padding): the big products whose right
// operand is a small weight matrix.  bias (ncols,) is added to every row; null: none.
template <class T>
void gemm_rows_packed(index_t rows, index_t K, const T* A, index_t lda, const T* bp, index_t ldb, index_t ncols, T* C,
                      index_t ldc, const T* bias = nullptr) {
  constexpr index_t kRows = 32;  // row pointers handed to small_gemm_rows at a time
  std::vector<T> zeros(bias ? 0 : size_t(ncols), T(0));
  const T* start = bias ? bias : zeros.data();
  const T* a[kRows];
  const T* in[kRows];
  T* out[kRows];
  for (index_t r0 = 0; r0 < rows; r0 += kRows) {
    const index_t nr = std::min(kRows, rows - r0);
    for (index_t r = 0; r < nr; ++r) {
      a[r] = A + (r0 + r) * lda;
      out[r] = C + (r0 + r) * ldc;
      in[r] = start;
    }
    if (K == 0)
      for (index_t r = 0; r < nr; ++r) std::copy(start, start + ncols, out[r]);
    else
      small_gemm_rows(nr, a, K, bp, ldb, ncols, out, in);
  }
}

// C (m x n, leading dimension ldc) += A^T B for row-major A (K x m, lda) and B (K x n, ldb): the sums
// over rows of the weight gradients, read straight from the row-major operands.  Each C[i][j] is one FMA
// chain over k in increasing order.  Columns short of a whole packet at the end are read from a copy
// padded with zeros (reading B's rows on would run past its end).
template <class T>
void gemm_tn_acc(index_t m, index_t n, index_t K, const T* A, index_t lda, const T* B, index_t ldb, T* C,
                 index_t ldc) {
  constexpr int L = kPacket<T>;
  if (m <= 0 || n <= 0 || K <= 0) return;
  const index_t n_full = n / L * L, tail = n - n_full;
  std::vector<const T*> a(size_t(m), nullptr);
  std::vector<T*> out(size_t(m), nullptr), out_tail(size_t(m), nullptr);
  for (index_t i = 0; i < m; ++i) {
    a[size_t(i)] = A + i;
    out[size_t(i)] = C + i * ldc;
    out_tail[size_t(i)] = C + i * ldc + n_full;
  }
  std::vector<T> padded(tail ? size_t(detail::kPanel * L) : 0);
  for (index_t k0 = 0; k0 < K; k0 += detail::kPanel) {
    const index_t kn = std::min(K, k0 + detail::kPanel) - k0;
    if (n_full) detail::panel(m, a.data(), lda, k0, kn, B + k0 * ldb, ldb, n_full, out.data(), out.data());
    if (tail) {
      for (index_t k = 0; k < kn; ++k)
        for (index_t j = 0; j < L; ++j) padded[size_t(k * L + j)] = j < tail ? B[(k0 + k) * ldb + n_full + j] : T(0);
      detail::panel(m, a.data(), lda, k0, kn, padded.data(), index_t(L), tail, out_tail.data(), out_tail.data());
    }
  }
}

// Whether g has a SIMD form here (tanh where Eigen has one, sigmoid); relu, identity and a tanh without
// one run element by element.
template <Activation A, class T>
inline constexpr bool kPacketActivation =
    A == Activation::Sigmoid || (A == Activation::Tanh && Eigen::internal::packet_traits<T>::HasTanh);

// g(x) on a packet, for the activations of kPacketActivation.
template <Activation A, class T>
inline Packet<T> activate_packet(const Packet<T>& x) {
  using namespace Eigen::internal;
  using P = Packet<T>;
  if constexpr (A == Activation::Tanh) return ptanh(x);
  else return pdiv(pset1<P>(T(1)), padd(pset1<P>(T(1)), pexp(pnegate(x))));  // sigmoid
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
  } else if constexpr (!kPacketActivation<A, T>) {
    for (index_t i = 0; i < n; ++i) h[i] = activate<A>(h[i]);
  } else {
    index_t i = 0;
    for (; i + L <= n; i += L) pstoreu(h + i, activate_packet<A, T>(ploadu<P>(h + i)));
    if (i < n) detail::store_part(h + i, activate_packet<A, T>(detail::load_part(h + i, int(n - i))), int(n - i));
  }
}

// g'(xi) * dh on packets, g' computed from h = g(xi): the same operations, in the same order, as
// activation.hpp's derivative_from_output times dh.  tanh' is written (1 - h)(1 + h), not 1 - h*h,
// which a compiler could fuse into an FMA in some places and not others.
template <Activation A, class T>
inline Packet<T> vjp_packet(const Packet<T>& h, const Packet<T>& dh) {
  using namespace Eigen::internal;
  using P = Packet<T>;
  const P one = pset1<P>(T(1));
  if constexpr (A == Activation::Tanh) return pmul(pmul(psub(one, h), padd(one, h)), dh);
  else if constexpr (A == Activation::Sigmoid) return pmul(pmul(h, psub(one, h)), dh);
  else if constexpr (A == Activation::Relu) return pmul(pselect(pcmp_lt(pzero(h), h), one, pzero(h)), dh);
  else return pmul(one, dh);
}

// dxi[i] = g'(xi[i]) * dh[i] for i < n (vjp_packet on every element, whatever the row's alignment).
template <Activation A, class T>
inline void activation_vjp_row(const T* h, const T* dh, T* dxi, index_t n) {
  using namespace Eigen::internal;
  using P = Packet<T>;
  constexpr int L = kPacket<T>;
  index_t i = 0;
  for (; i + L <= n; i += L) pstoreu(dxi + i, vjp_packet<A, T>(ploadu<P>(h + i), ploadu<P>(dh + i)));
  if (i < n) {
    const int c = int(n - i);
    detail::store_part(dxi + i, vjp_packet<A, T>(detail::load_part(h + i, c), detail::load_part(dh + i, c)), c);
  }
}

}  // namespace rnnlti
