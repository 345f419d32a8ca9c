// The vector-Jacobian product of lfilter (lfilter.hpp): BPTT of the IIR filter with g = identity.
// With bn = b/a[0], an = a/a[0] (padded to order+1) and y = lfilter(b, a, x, zi):
//   y[n]  = sum_k bn[k] x[n-k] - sum_{k>=1} an[k] y[n-k] + zi[n] (n < order)
//   gy[n] = dL/dy[n] (total) = dy[n] - sum_{k>=1} an[k] gy[n+k]      an IIR filter run backward in time
//   dx[n] = sum_k bn[k] gy[n+k],   dbn[k] = sum_m x[m] gy[m+k],   dan[k] = -sum_m y[m] gy[m+k],
//   dzi[k] = gy[k],   db = dbn/a0,  da[k>=1] = dan[k]/a0,  da[0] = -(bn . dbn + an[1:] . dan[1:])/a0
// One filtering pass backward in time: each sample of x, dy (and y, see below) is read once and each
// sample of dx written once.  The window gy[t .. t+order] lives in registers, so dx[t] and the
// correlations with the window are formed in the same step as gy[t] (nothing goes back to memory but
// dx).  Gradients are per channel (a filter bank gets one gradient per filter); the Python layer sums
// shared filters.
//
// Without y (the caller's choice, only without zi): then y = An^-1 Bn x, and with v = An^-T dx (the
// same backward recurrence run on dx: v[n] = dx[n] - sum_{k>=1} an[k] v[n+k]),
// sum_m y[m] gy[m+k] = sum_m x[m] v[m+k], since the (transposed) Toeplitz operators An^-T, Bn^T and the
// shift commute.  A second recurrence in registers costs less than a fourth stream of memory: beyond
// the cache the pass is bound by memory traffic, x, dy in and dx out instead of x, y, dy in and dx out.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "common.hpp"
#include "parallel.hpp"
#include "simd.hpp"
#include "tile.hpp"

namespace rnnlti {

template <class T>
struct LfilterBackwardArgs {
  Coefs<T> b, a;        // per-channel numerator and denominator (a[0] != 0)
  Signals<const T> x;   // forward input
  Signals<const T> y;   // forward output, or data == nullptr (allowed only without zi: see above)
  Signals<const T> dy;  // dL/dy
  Signals<T> dx;        // out: dL/dx
  Signals<T> dzi;       // out: dL/dzi (length = order); data == nullptr when zi was not given
  T* db = nullptr;      // out: (channels, nb) row-major
  T* da = nullptr;      // out: (channels, na) row-major
};

namespace detail {

// Samples [t_lo, t_hi) through lane-major tiles (any layout, any number of lanes), backward in time:
// step(x, y, dy, kmax) runs one sample (y only read when UseY), kmax_at(t) gives its window size.
template <class T, bool UseY, class Step, class K>
__attribute__((always_inline)) inline void lfilter_backward_tiles(const LfilterBackwardArgs<T>& p, index_t c0, int lanes,
                                                                  index_t t_lo, index_t t_hi, T* buf, Step&& step,
                                                                  K&& kmax_at) {
  constexpr int L = kLanes<T>;
  T* xb = buf;
  T* yb = xb + kTile * L;
  T* gb = yb + kTile * L;  // dy in, dx out
  for (index_t end = t_hi; end > t_lo; end -= kTile) {
    const index_t t0 = std::max(t_lo, end - kTile);
    const index_t len = end - t0;
    gather_tile(p.x, c0, lanes, t0, len, xb);
    if constexpr (UseY) gather_tile(p.y, c0, lanes, t0, len, yb);
    gather_tile(p.dy, c0, lanes, t0, len, gb);
    for (index_t t = len - 1; t >= 0; --t) {
      const Vec<T> xv = vload(xb + t * L);
      vstore(gb + t * L, step(xv, UseY ? vload(yb + t * L) : xv, vload(gb + t * L), kmax_at(t0 + t)));
    }
    scatter_tile(gb, c0, lanes, t0, len, p.dx);
  }
}

// Samples [s, F) of a full block of L channels straight from memory (F - s a multiple of L), with the
// whole window present, L samples at a time (group(in, out): in(k, v) fills v[j] with sample t0 + j of
// x, y or dy for k = 0, 1, 2; out(v) writes dx), or one at a time (step): time first with the L
// channels adjacent (one vector per sample), or time last (L x L in-register transposes).  Returns
// false for any other layout.
template <class T, bool UseY, class Step, class Group>
__attribute__((always_inline)) inline bool lfilter_backward_fused(const LfilterBackwardArgs<T>& p, index_t c0,
                                                                  index_t s, index_t F, bool stream, int n, Step&& step,
                                                                  Group&& group) {
  using V = Vec<T>;
  constexpr int L = kLanes<T>;
  const Signals<const T>* in[3] = {&p.x, &p.dy, &p.y};
  bool adjacent = p.dx.s_inner == 1 && (c0 % p.dx.inner) + L <= p.dx.inner;
  bool time_last = p.dx.s_time == 1;
  for (int i = 0; i < (UseY ? 3 : 2); ++i) {
    const Signals<const T>* v = in[i];
    adjacent = adjacent && v->s_inner == 1 && (c0 % v->inner) + L <= v->inner;
    time_last = time_last && v->s_time == 1;
  }
  if (adjacent) {
    const T* rows[3] = {p.x.channel(c0), p.y.channel(c0), p.dy.channel(c0)};
    const index_t strides[3] = {p.x.s_time, p.y.s_time, p.dy.s_time}, sd = p.dx.s_time;
    T* dr = p.dx.channel(c0);
    if constexpr (UseY) {
      // Given y, one sample at a time measured faster than in groups here ((100000, 64) float64, order
      // 8: 8.5 against 11.5 ms); without y the groups win (6.4 against 10.5 ms).
      for (index_t t = F - 1; t >= s; --t) {
        const V xv = vload(rows[0] + t * strides[0]);
        vstore(dr + t * sd, step(xv, vload(rows[1] + t * strides[1]), vload(rows[2] + t * strides[2]), n));
      }
      return true;
    }
    for (index_t t0 = F - L; t0 >= s; t0 -= L)
      group([&](int k, V* v) __attribute__((always_inline)) {
              for (int j = 0; j < L; ++j) v[j] = vload(rows[k] + (t0 + j) * strides[k]);
            },
            [&](const V* v) __attribute__((always_inline)) {
              for (int j = 0; j < L; ++j) vstore(dr + (t0 + j) * sd, v[j]);
            });
    return true;
  }
  if (!time_last) return false;
  const T *xr[L], *yr[L], *gr[L];
  const T* const* rows[3] = {xr, yr, gr};
  T* dr[L];
  for (int l = 0; l < L; ++l) {
    xr[l] = p.x.channel(c0 + l);
    yr[l] = p.y.channel(c0 + l);
    gr[l] = p.dy.channel(c0 + l);
    dr[l] = p.dx.channel(c0 + l);
  }
  if (stream) {
    // Beyond the cache, three rows per channel are read backward in time: asking for the lines four
    // groups ahead keeps more reads in flight than the hardware prefetcher does (64 x 100,000 float64,
    // order 2, 2 threads, alternating runs: 2.41 -> 2.16 ms when the machine was quiet, 4.8 -> 4.1 ms
    // when memory was contended; 2 to 6 lines ahead were within noise of each other).
    constexpr index_t kAhead = 4 * L;
    for (index_t t0 = F - L; t0 >= s; t0 -= L) {
      if (t0 >= kAhead)
        for (int l = 0; l < L; ++l) {
          __builtin_prefetch(xr[l] + t0 - kAhead);
          if constexpr (UseY) __builtin_prefetch(yr[l] + t0 - kAhead);
          __builtin_prefetch(gr[l] + t0 - kAhead);
        }
      group([&](int k, V* v) __attribute__((always_inline)) { transpose_in_regs(rows[k], t0, v); },
            [&](const V* v) __attribute__((always_inline)) { stream_out(v, dr, t0); });
    }
    stream_fence();
  } else {
    for (index_t t0 = F - L; t0 >= s; t0 -= L)
      group([&](int k, V* v) __attribute__((always_inline)) { transpose_in_regs(rows[k], t0, v); },
            [&](const V* v) __attribute__((always_inline)) { transpose_out_regs(v, dr, t0); });
  }
  return true;
}

// Where a large time-last dx (16 MiB and more) can be written with non-temporal stores: the first
// sample s < L from which the L rows of the block are whole 64-byte lines in groups of L samples
// (every row equally misaligned), or -1 where streaming does not apply.
template <class T>
index_t backward_stream_shift(const LfilterBackwardArgs<T>& p, index_t c0) {
  constexpr int L = kLanes<T>;
  if (L * index_t(sizeof(T)) != 64 || p.dx.s_time != 1) return -1;
  if (p.dx.channels() * p.dx.length * index_t(sizeof(T)) < kStreamMinBytes) return -1;
  const auto misalign = [&](int l) { return index_t(reinterpret_cast<std::uintptr_t>(p.dx.channel(c0 + l)) % 64); };
  const index_t m = misalign(0);
  if (m % index_t(sizeof(T))) return -1;
  for (int l = 1; l < L; ++l)
    if (misalign(l) != m) return -1;
  return ((64 - m) % 64) / index_t(sizeof(T));
}

// One block of up to L channels.  N is the order when known at compile time (then the coefficients,
// the window and the running sums are small arrays of vectors that the compiler keeps in registers),
// -1 for a runtime order `order`.
template <class T, int N, bool UseY>
void lfilter_backward_block(const LfilterBackwardArgs<T>& p, index_t c0, int lanes, int order) {
  using V = Vec<T>;
  constexpr int L = kLanes<T>;
  const int n = N >= 0 ? N : order;
  constexpr int kFixed = N >= 0 ? N + 1 : 1;
  // bq[k] = bn[k], aq[k] = an[k]; the windows w[k] = gy[t + k] and u[k] = v[t + k] (without zi) after
  // the step of sample t; the running sums sx[k] = sum_m x[m] gy[m+k] and sy[k] = sum_m y[m] gy[m+k]
  // (with zi) or sum_m x[m] v[m+k] (without), the same number.
  V bq_f[kFixed] = {}, aq_f[kFixed] = {}, w_f[kFixed] = {}, u_f[kFixed] = {}, sx_f[kFixed] = {}, sy_f[kFixed] = {};
  std::vector<V> dynamic(N >= 0 ? 0 : size_t(6 * (n + 1)), V{});
  V* bq = N >= 0 ? bq_f : dynamic.data();
  V* aq = N >= 0 ? aq_f : bq + (n + 1);
  V* w = N >= 0 ? w_f : aq + (n + 1);
  V* u = N >= 0 ? u_f : w + (n + 1);
  V* sx = N >= 0 ? sx_f : u + (n + 1);
  V* sy = N >= 0 ? sy_f : sx + (n + 1);
  {
    alignas(64) T bs[L] = {}, as[L] = {};
    for (int k = 0; k <= n; ++k) {
      for (int l = 0; l < lanes; ++l) {
        const T a0 = p.a.get(c0 + l, 0);
        bs[l] = p.b.get(c0 + l, k) / a0;
        as[l] = p.a.get(c0 + l, k) / a0;
      }
      bq[k] = vload(bs);
      aq[k] = vload(as);
    }
  }
  // Sample t: gy[t] from dy[t] and the window, then dx[t] (returned) and the correlation terms.  Only
  // the window entries w[1 .. kmax] exist (kmax < n within `order` samples of the end of the signal):
  // the others are left out, not multiplied by zero (inf * 0 = NaN).
  auto step = [&](const V& xv, const V& yv, const V& dyv, int kmax) __attribute__((always_inline)) {
#pragma GCC unroll 16
    for (int k = n; k >= 1; --k) w[k] = w[k - 1];
    V g = dyv;
#pragma GCC unroll 16
    for (int k = n; k >= 1; --k)  // gy[t+1] enters last: one FMA of loop-carried dependency
      if (k <= kmax) g = vfnma<T>(aq[k], w[k], g);
    w[0] = g;
    V d = bq[0] * g;
    sx[0] = vfma<T>(xv, g, sx[0]);
#pragma GCC unroll 16
    for (int k = 1; k <= n; ++k)
      if (k <= kmax) {
        d = vfma<T>(bq[k], w[k], d);
        sx[k] = vfma<T>(xv, w[k], sx[k]);
        if constexpr (UseY) sy[k] = vfma<T>(yv, w[k], sy[k]);
      }
    if constexpr (!UseY) {  // v[t] = dx[t] - sum_k an[k] v[t+k], then its correlation with x
#pragma GCC unroll 16
      for (int k = n; k >= 1; --k) u[k] = u[k - 1];
      V q = d;
#pragma GCC unroll 16
      for (int k = n; k >= 1; --k)
        if (k <= kmax) q = vfnma<T>(aq[k], u[k], q);
      u[0] = q;
#pragma GCC unroll 16
      for (int k = 1; k <= n; ++k)
        if (k <= kmax) sy[k] = vfma<T>(xv, u[k], sy[k]);
    }
    return d;
  };
  // L samples [t0, t0 + L), the same arithmetic as L steps but in phases, so that
  // fewer vectors are live at once (no spills): G[i] = gy[t0 + i] for i < L + n (the window after).
  constexpr int kG = L + (N >= 0 ? N : 0);
  auto group = [&](auto&& in, auto&& write) __attribute__((always_inline)) {
    if constexpr (N < 0) {
      V xv[L], yv[L], gv[L];
      in(0, xv);
      if constexpr (UseY) in(1, yv);
      in(2, gv);
      for (int j = L - 1; j >= 0; --j) gv[j] = step(xv[j], UseY ? yv[j] : xv[j], gv[j], n);
      write(gv);
    } else {
      // R[j] -= sum_k an[k] R[j + k] for j = L-1 .. 0, in place: the backward recurrence over a group
      // whose window R[L ..] holds the samples after it.
      auto recurrence = [&](V* R) __attribute__((always_inline)) {
#pragma GCC unroll 16
        for (int j = L - 1; j >= 0; --j) {
          V g = R[j];
#pragma GCC unroll 16
          for (int k = N; k >= 1; --k) g = vfnma<T>(aq[k], R[j + k], g);
          R[j] = g;
        }
      };
      V G[kG], v[L];
#pragma GCC unroll 16
      for (int k = 0; k < N; ++k) G[L + k] = w[k];
      in(2, G);
      recurrence(G);
#pragma GCC unroll 16
      for (int j = 0; j < L; ++j) {
        V d = bq[0] * G[j];
#pragma GCC unroll 16
        for (int k = 1; k <= N; ++k) d = vfma<T>(bq[k], G[j + k], d);
        v[j] = d;
      }
      write(v);
      if constexpr (UseY) {
        in(0, v);
#pragma GCC unroll 16
        for (int j = L - 1; j >= 0; --j)
#pragma GCC unroll 16
          for (int k = 0; k <= N; ++k) sx[k] = vfma<T>(v[j], G[j + k], sx[k]);
        in(1, v);
#pragma GCC unroll 16
        for (int j = L - 1; j >= 0; --j)
#pragma GCC unroll 16
          for (int k = 1; k <= N; ++k) sy[k] = vfma<T>(v[j], G[j + k], sy[k]);
      } else {
        V Q[kG];  // Q[i] = v[t0 + i], the recurrence of the step on dx
#pragma GCC unroll 16
        for (int k = 0; k < N; ++k) Q[L + k] = u[k];
#pragma GCC unroll 16
        for (int j = 0; j < L; ++j) Q[j] = v[j];
        recurrence(Q);
        in(0, v);
#pragma GCC unroll 16
        for (int j = L - 1; j >= 0; --j)
#pragma GCC unroll 16
          for (int k = 0; k <= N; ++k) sx[k] = vfma<T>(v[j], G[j + k], sx[k]);
#pragma GCC unroll 16
        for (int j = L - 1; j >= 0; --j)
#pragma GCC unroll 16
          for (int k = 1; k <= N; ++k) sy[k] = vfma<T>(v[j], Q[j + k], sy[k]);
#pragma GCC unroll 16
        for (int k = 0; k <= N; ++k) u[k] = Q[k];
      }
#pragma GCC unroll 16
      for (int k = 0; k <= N; ++k) w[k] = G[k];
    }
  };
  std::vector<T> buf(size_t(3 * kTile * L));
  const index_t T_len = p.x.length;
  // The last samples (from F on, at least `order` of them) lack part of the window; the rest, [0, F),
  // have all of it.  The time-last fused path moves whole L x L blocks over [s, F): s = 0, or, for a
  // streamed dx, the first sample where its rows are whole lines (the few before it go through tiles;
  // explicit FMAs make tiles and blocks round alike, so the split does not change the bits).
  const index_t shift = lanes == L ? backward_stream_shift(p, c0) : -1;
  const index_t s = std::min(std::max<index_t>(shift, 0), std::max<index_t>(0, T_len - n));
  const index_t F = s + (std::max<index_t>(0, T_len - n) - s) / L * L;
  lfilter_backward_tiles<T, UseY>(p, c0, lanes, F, T_len, buf.data(), step,
                            [&](index_t t) { return int(std::min<index_t>(n, T_len - 1 - t)); });
  if (lanes == L && lfilter_backward_fused<T, UseY>(p, c0, s, F, shift >= 0, n, step, group))
    lfilter_backward_tiles<T, UseY>(p, c0, lanes, 0, s, buf.data(), step, [&](index_t) { return n; });
  else
    lfilter_backward_tiles<T, UseY>(p, c0, lanes, 0, F, buf.data(), step, [&](index_t) { return n; });
  // w[k] = gy[k] now (zero past the end of a signal shorter than the order).
  const index_t nb = p.b.size, na = p.a.size;
  alignas(64) T lane[3][L];
  for (int k = 0; k <= n; ++k) {
    vstore(lane[0], w[k]);
    vstore(lane[1], sx[k]);
    vstore(lane[2], sy[k]);
    for (int l = 0; l < lanes; ++l) {
      const index_t c = c0 + l;
      if (p.dzi.data && k < n) p.dzi.at(c, k) = lane[0][l];
      if (k < nb) p.db[c * nb + k] = lane[1][l];             // dbn, divided by a0 below
      if (k >= 1 && k < na) p.da[c * na + k] = -lane[2][l];  // dan
    }
  }
  for (int l = 0; l < lanes; ++l) {
    const index_t c = c0 + l;
    const T a0 = p.a.get(c, 0);
    T chain = T(0);  // bn . dbn + an[1:] . dan[1:]
    for (index_t k = 0; k < nb; ++k) {
      chain += p.b.get(c, k) / a0 * p.db[c * nb + k];
      p.db[c * nb + k] /= a0;
    }
    for (index_t k = 1; k < na; ++k) {
      chain += p.a.get(c, k) / a0 * p.da[c * na + k];
      p.da[c * na + k] /= a0;
    }
    p.da[c * na] = -chain / a0;
  }
}

template <class T, int N>
void lfilter_backward_all(const LfilterBackwardArgs<T>& p, int order) {
  constexpr int L = kLanes<T>;
  const index_t C = p.x.channels();
  parallel_for(lane_blocks<T>(C), [&](index_t blk) {
    const index_t c0 = blk * L, lanes = std::min<index_t>(L, C - c0);
    if (p.y.data)
      lfilter_backward_block<T, N, true>(p, c0, int(lanes), order);
    else
      lfilter_backward_block<T, N, false>(p, c0, int(lanes), order);
  });
}

}  // namespace detail

// order = max(len(a), len(b)) - 1.
template <class T>
void lfilter_backward(const LfilterBackwardArgs<T>& p, int order) {
  switch (order) {
    case 0: return detail::lfilter_backward_all<T, 0>(p, order);
    case 1: return detail::lfilter_backward_all<T, 1>(p, order);
    case 2: return detail::lfilter_backward_all<T, 2>(p, order);
    case 3: return detail::lfilter_backward_all<T, 3>(p, order);
    case 4: return detail::lfilter_backward_all<T, 4>(p, order);
    case 5: return detail::lfilter_backward_all<T, 5>(p, order);
    case 6: return detail::lfilter_backward_all<T, 6>(p, order);
    case 7: return detail::lfilter_backward_all<T, 7>(p, order);
    case 8: return detail::lfilter_backward_all<T, 8>(p, order);
    default: return detail::lfilter_backward_all<T, -1>(p, order);
  }
}

}  // namespace rnnlti
