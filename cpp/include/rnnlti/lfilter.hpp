// The IIR filter of the lecture's first section, in scipy.signal.lfilter's conventions:
//   a[0] y[n] = sum_k b[k] x[n-k] - sum_{k>=1} a[k] y[n-k]
// (the lecture's feedback coefficient a_m is -a[m]/a[0]), run as the transposed direct form II with
// state z (scipy's zi/zf layout).  Channels are filtered kLanes at a time, one SIMD lane each, the
// state and coefficients held in registers.  A few long channels go through a chunked two-pass scan
// (lfilter_scan.hpp) instead, so that the lanes and threads run along time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common.hpp"
#include "parallel.hpp"
#include "simd.hpp"
#include "tile.hpp"

namespace rnnlti {

template <class T>
struct LfilterArgs {
  Coefs<T> b, a;        // per-channel numerator and denominator (a[0] != 0)
  Signals<const T> x;   // input
  Signals<T> y;         // output, same outer/inner/length as x; data == nullptr: only zf is wanted
  Signals<const T> zi;  // initial state, length = order; data == nullptr for a zero state
  Signals<T> zf;        // final state, length = order; data == nullptr when not wanted
};

namespace detail {

// One DF2T step on L lanes: y = b0 x + z0; z[k] = b[k+1] x + z[k+1] - a[k+1] y.  The only chain
// from one sample to the next is y -> z[0] -> y: two dependent FMAs per sample.
template <class T, int N>
__attribute__((always_inline)) inline Vec<T> df2t_step(const Vec<T>& x, const Vec<T>* bq, const Vec<T>* aq,
                                                       Vec<T>* z, int order) {
  const int n = N >= 0 ? N : order;
  if (n == 0) return bq[0] * x;
  // Explicit FMAs: every path (fused, tiles, streamed) then rounds alike, whatever the compiler
  // would contract in each inlined copy.
  const Vec<T> y = vfma<T>(bq[0], x, z[0]);
#pragma GCC unroll 16
  for (int k = 0; k + 1 < n; ++k) z[k] = vfnma<T>(aq[k + 1], y, vfma<T>(bq[k + 1], x, z[k + 1]));
  z[n - 1] = vfnma<T>(aq[n], y, bq[n] * x);
  return y;
}

// The fast paths of a full block of L channels, without a tile buffer, so that the loads, stores
// and transposes of one group of samples overlap the recurrence of the previous one:
//   - time first, the L channels adjacent in x and y: one vector load and store per time step;
//   - time last (time contiguous in x and y, forward or reversed): in-register transposes of L
//     channels by kStepGroup time steps.
// step(v) runs one sample of the recurrence.  Starts at sample t_begin; returns the sample where it
// stopped (the rest goes through the tile loop).  stream: forward time-last output through
// non-temporal stores, which needs every row aligned to a group at t_begin (see stream_start).
template <class T, class Step>
__attribute__((always_inline)) inline index_t lfilter_fused(const LfilterArgs<T>& p, index_t c0, Step&& step,
                                                          index_t t_begin, bool stream) {
  using V = Vec<T>;
  constexpr int L = kLanes<T>;
  const index_t T_len = p.x.length;
  const bool adjacent = (c0 % p.x.inner) + L <= p.x.inner;
  if (adjacent && p.x.s_inner == 1 && (!p.y.data || p.y.s_inner == 1)) {
    const T* xr = p.x.channel(c0);
    const index_t sx = p.x.s_time, sy = p.y.s_time;
    if (!p.y.data) {
      for (index_t t = t_begin; t < T_len; ++t) step(vload(xr + t * sx));
      return T_len;
    }
    T* yr = p.y.channel(c0);
    // Each block steps through one 64-byte column of every row, which the hardware prefetcher does
    // not follow: the rows kAhead steps on are asked for.
    constexpr index_t kAhead = 64;
    index_t t = t_begin;
    for (; t + kAhead < T_len; ++t) {
      prefetch_vector(xr + (t + kAhead) * sx);
      prefetch_vector<true>(yr + (t + kAhead) * sy);
      vstore(yr + t * sy, step(vload(xr + t * sx)));
    }
    for (; t < T_len; ++t) vstore(yr + t * sy, step(vload(xr + t * sx)));
    return T_len;
  }
  // Time-reversed views (stride -1, filtfilt's backward pass) read the same blocks from the other
  // end: sample t + j of channel l sits at row_l - t - j, so a group of G steps starts G - 1 lower
  // and its transposed registers hold the steps in reverse order.
  constexpr int G = kStepGroup<T>;
  const index_t dir = p.x.s_time;
  if ((dir != 1 && dir != -1) || (p.y.data && p.y.s_time != dir)) return t_begin;
  const index_t shift = dir == 1 ? 0 : G - 1;
  const T* xrows[L];
  T* yrows[L];
  for (int l = 0; l < L; ++l) {
    xrows[l] = p.x.channel(c0 + l) - shift;
    yrows[l] = p.y.data ? p.y.channel(c0 + l) - shift : nullptr;
  }
  index_t t = t_begin;
  V r[G];
  if (stream && dir == 1 && p.y.data) {
    constexpr int S = kStreamGroup<T>;
    V rs[S];
    for (; t + S <= T_len; t += S) {
      for (int g = 0; g < S; g += G) group_in(xrows, t + g, rs + g);
      for (int j = 0; j < S; ++j) rs[j] = step(rs[j]);
      stream_out(rs, yrows, t);
    }
    stream_fence();
    return t;
  }
  for (; t + G <= T_len; t += G) {
    group_in(xrows, dir * t, r);
    if (dir == 1)
      for (int j = 0; j < G; ++j) r[j] = step(r[j]);
    else
      for (int j = G - 1; j >= 0; --j) r[j] = step(r[j]);
    if (p.y.data) group_out(r, yrows, dir * t);
  }
  return t;
}

// The first sample from which a full block's forward time-last output can be streamed (every row
// then 64-byte aligned), or -1 where streaming does not apply: a small output (it
// stays in the cache), output aliasing the input (in place: its lines are in the cache already),
// or rows misaligned differently from one another.
template <class T>
index_t stream_start(const LfilterArgs<T>& p, index_t c0) {
  constexpr index_t unit = 64;
  const index_t bytes = p.y.channels() * p.y.length * index_t(sizeof(T));
  if (!p.y.data || p.y.s_time != 1 || p.x.s_time != 1 || bytes < kStreamMinBytes) return -1;
  if (static_cast<const void*>(p.x.data) == static_cast<const void*>(p.y.data)) return -1;
  const auto misalign = [&](index_t l) { return index_t(reinterpret_cast<std::uintptr_t>(p.y.channel(c0 + l)) % unit); };
  const index_t m = misalign(0);
  if (m % index_t(sizeof(T))) return -1;
  for (int l = 1; l < kLanes<T>; ++l)
    if (misalign(l) != m) return -1;
  return ((unit - m) % unit) / index_t(sizeof(T));
}

// Filters one block of up to L channels.  N is the order (state size) when known at compile time
// (then the state and the coefficients live in registers), -1 for a runtime order `order`.
template <class T, int N>
void lfilter_block(const LfilterArgs<T>& p, index_t c0, int lanes, int order) {
  using V = Vec<T>;
  constexpr int L = kLanes<T>;
  const int n = N >= 0 ? N : order;
  // Lane-major coefficients (normalised by a[0]) and state, one vector per coefficient.
  std::vector<T> scratch(size_t(3 * (n + 1) * L + kTile * L), T(0));
  T* bs = scratch.data();
  T* as = bs + (n + 1) * L;
  T* zs = as + (n + 1) * L;
  T* buf = zs + (n + 1) * L;
  for (int l = 0; l < lanes; ++l) {
    const index_t c = c0 + l;
    const T a0 = p.a.get(c, 0);
    for (int k = 0; k <= n; ++k) {
      bs[k * L + l] = p.b.get(c, k) / a0;
      as[k * L + l] = p.a.get(c, k) / a0;
    }
    if (p.zi.data)
      for (int k = 0; k < n; ++k) zs[k * L + l] = p.zi.at(c, k);
  }
  constexpr int kFixed = N >= 0 ? N + 1 : 1;
  V bq_fixed[kFixed], aq_fixed[kFixed], z_fixed[kFixed];
  std::vector<V> dynamic(N >= 0 ? 0 : size_t(3 * (n + 1)));
  V* bq = N >= 0 ? bq_fixed : dynamic.data();
  V* aq = N >= 0 ? aq_fixed : bq + (n + 1);
  V* z = N >= 0 ? z_fixed : aq + (n + 1);
  for (int k = 0; k <= n; ++k) {
    bq[k] = vload(bs + k * L);
    aq[k] = vload(as + k * L);
    z[k] = vload(zs + k * L);
  }
  const index_t T_len = p.x.length;
  auto step = [&](const V& v) { return df2t_step<T, N>(v, bq, aq, z, n); };
  auto tiles = [&](index_t from, index_t to) {
    for (index_t t0 = from; t0 < to; t0 += kTile) {
      const index_t len = std::min(kTile, to - t0);
      gather_tile(p.x, c0, lanes, t0, len, buf);
      for (index_t t = 0; t < len; ++t) vstore(buf + t * L, step(vload(buf + t * L)));
      if (p.y.data) scatter_tile(buf, c0, lanes, t0, len, p.y);
    }
  };
  index_t t_done = 0;
  if (lanes == L) {
    // A streamed output first runs the few samples before its rows' alignment through the tiles.
    const index_t start = std::min(stream_start(p, c0), T_len);
    if (start > 0) tiles(0, start);
    t_done = lfilter_fused<T>(p, c0, step, std::max<index_t>(start, 0), start >= 0);
  }
  tiles(t_done, T_len);
  if (p.zf.data) {
    for (int k = 0; k < n; ++k) vstore(zs + k * L, z[k]);
    for (int l = 0; l < lanes; ++l)
      for (int k = 0; k < n; ++k) p.zf.at(c0 + l, k) = zs[k * L + l];
  }
}

// Every channel of p, L at a time, blocks of channels spread over the threads.
template <class T, int N>
void lfilter_channels(const LfilterArgs<T>& p, int order) {
  constexpr int L = kLanes<T>;
  const index_t C = p.x.channels();
  parallel_for(lane_blocks<T>(C), [&](index_t blk) {
    const index_t c0 = blk * L;
    lfilter_block<T, N>(p, c0, int(std::min<index_t>(L, C - c0)), order);
  });
}

}  // namespace detail
}  // namespace rnnlti

#include "lfilter_scan.hpp"

namespace rnnlti {
namespace detail {

template <class T, int N>
void lfilter_all(const LfilterArgs<T>& p, int order) {
  if (use_scan<T>(p.x.channels(), p.x.length, order)) {
    for (index_t c = 0; c < p.x.channels(); ++c) lfilter_scan_channel<T, N>(p, c, order);
    return;
  }
  lfilter_channels<T, N>(p, order);
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
