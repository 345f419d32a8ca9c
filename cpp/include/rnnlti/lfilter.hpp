// The IIR filter of the lecture's first section, in scipy.signal.lfilter's conventions:
//   a[0] y[n] = sum_k b[k] x[n-k] - sum_{k>=1} a[k] y[n-k]
// (the lecture's feedback coefficient a_m is -a[m]/a[0]), run as the transposed direct form II with
// state z (scipy's zi/zf layout).  Channels are filtered kLanes at a time, one SIMD lane each.
#pragma once

#include <algorithm>
#include <vector>

#include "common.hpp"
#include "parallel.hpp"
#include "tile.hpp"

namespace rnnlti {

template <class T>
struct LfilterArgs {
  Coefs<T> b, a;        // per-channel numerator and denominator (a[0] != 0)
  Signals<const T> x;   // input
  Signals<T> y;         // output, same outer/inner/length as x
  Signals<const T> zi;  // initial state, length = order; data == nullptr for a zero state
  Signals<T> zf;        // final state, length = order; data == nullptr when not wanted
};

namespace detail {

// Filters one block of up to L channels.  N is the order (state size) when known at compile time,
// -1 for a runtime order held in `order`.
template <class T, int N>
void lfilter_block(const LfilterArgs<T>& p, index_t c0, int lanes, int order) {
  constexpr int L = kLanes<T>;
  const int n = N >= 0 ? N : order;
  // Lane-major coefficients (normalised by a[0]) and state: bq[k*L + l], aq[k*L + l], z[k*L + l].
  // With a compile-time order they live on the stack, where the compiler keeps them in registers.
  constexpr int kFixed = N >= 0 ? (N + 1) * L : 1;
  alignas(64) T bq_fixed[kFixed] = {}, aq_fixed[kFixed] = {}, z_fixed[kFixed] = {};
  std::vector<T> dynamic(N >= 0 ? 0 : size_t(3 * (n + 1) * L), T(0));
  T* bq = N >= 0 ? bq_fixed : dynamic.data();
  T* aq = N >= 0 ? aq_fixed : bq + (n + 1) * L;
  T* z = N >= 0 ? z_fixed : aq + (n + 1) * L;
  std::vector<T> tile(size_t(kTile * L));
  T* buf = tile.data();
  for (int l = 0; l < lanes; ++l) {
    const index_t c = c0 + l;
    const T a0 = p.a.get(c, 0);
    for (int k = 0; k <= n; ++k) {
      bq[k * L + l] = p.b.get(c, k) / a0;
      aq[k * L + l] = p.a.get(c, k) / a0;
    }
    if (p.zi.data)
      for (int k = 0; k < n; ++k) z[k * L + l] = p.zi.at(c, k);
  }
  const index_t T_len = p.x.length;
  for (index_t t0 = 0; t0 < T_len; t0 += kTile) {
    const index_t len = std::min(kTile, T_len - t0);
    gather_tile(p.x, c0, lanes, t0, len, buf);
    for (index_t t = 0; t < len; ++t) {
      T* v = buf + t * L;  // x in, y out
      T y[L];
      for (int l = 0; l < L; ++l) y[l] = bq[l] * v[l] + (n > 0 ? z[l] : T(0));
      for (int k = 0; k + 1 < n; ++k)
        for (int l = 0; l < L; ++l)
          z[k * L + l] = bq[(k + 1) * L + l] * v[l] + z[(k + 1) * L + l] - aq[(k + 1) * L + l] * y[l];
      if (n > 0)
        for (int l = 0; l < L; ++l) z[(n - 1) * L + l] = bq[n * L + l] * v[l] - aq[n * L + l] * y[l];
      for (int l = 0; l < L; ++l) v[l] = y[l];
    }
    scatter_tile(buf, c0, lanes, t0, len, p.y);
  }
  if (p.zf.data)
    for (int l = 0; l < lanes; ++l)
      for (int k = 0; k < n; ++k) p.zf.at(c0 + l, k) = z[k * L + l];
}

template <class T, int N>
void lfilter_all(const LfilterArgs<T>& p, int order) {
  constexpr int L = kLanes<T>;
  const index_t C = p.x.channels();
  parallel_for(lane_blocks<T>(C), [&](index_t blk) {
    const index_t c0 = blk * L;
    lfilter_block<T, N>(p, c0, int(std::min<index_t>(L, C - c0)), order);
  });
}

}  // namespace detail

// order = max(len(a), len(b)) - 1.
template <class T>
void lfilter(const LfilterArgs<T>& p, int order) {
  switch (order) {
    case 0: return detail::lfilter_all<T, 0>(p, order);
    case 1: return detail::lfilter_all<T, 1>(p, order);
    case 2: return detail::lfilter_all<T, 2>(p, order);
    case 3: return detail::lfilter_all<T, 3>(p, order);
    case 4: return detail::lfilter_all<T, 4>(p, order);
    case 5: return detail::lfilter_all<T, 5>(p, order);
    case 6: return detail::lfilter_all<T, 6>(p, order);
    case 7: return detail::lfilter_all<T, 7>(p, order);
    case 8: return detail::lfilter_all<T, 8>(p, order);
    default: return detail::lfilter_all<T, -1>(p, order);
  }
}

}  // namespace rnnlti
