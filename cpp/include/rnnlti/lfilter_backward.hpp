// The vector-Jacobian product of lfilter (lfilter.hpp): BPTT of the IIR filter with g = identity.
// With bn = b/a[0], an = a/a[0] (padded to order+1) and y = lfilter(b, a, x, zi):
//   y[n]  = sum_k bn[k] x[n-k] - sum_{k>=1} an[k] y[n-k] + zi[n] (n < order)
//   gy[n] = dL/dy[n] (total) = dy[n] - sum_{k>=1} an[k] gy[n+k]      an IIR filter run backward in time
//   dx[n] = sum_k bn[k] gy[n+k],   dbn[k] = sum_n gy[n] x[n-k],   dan[k] = -sum_n gy[n] y[n-k],
//   dzi[k] = gy[k],   db = dbn/a0,  da[k>=1] = dan[k]/a0,  da[0] = -(bn . dbn + an[1:] . dan[1:])/a0
// all in one backward sweep (the correlations are accumulated as gy is produced).  Gradients are per
// channel (a filter bank gets one gradient per filter); the Python layer sums shared filters.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "common.hpp"
#include "parallel.hpp"
#include "tile.hpp"

namespace rnnlti {

template <class T>
struct LfilterBackwardArgs {
  Coefs<T> b, a;        // per-channel numerator and denominator (a[0] != 0)
  Signals<const T> x;   // forward input
  Signals<const T> y;   // forward output
  Signals<const T> dy;  // dL/dy
  Signals<T> dx;        // out: dL/dx
  Signals<T> dzi;       // out: dL/dzi (length = order); data == nullptr when zi was not given
  T* db = nullptr;      // out: (channels, nb) row-major
  T* da = nullptr;      // out: (channels, na) row-major
};

namespace detail {

template <class T, int N>
void lfilter_backward_block(const LfilterBackwardArgs<T>& p, index_t c0, int lanes, int order) {
  constexpr int L = kLanes<T>;
  const index_t n = N >= 0 ? N : order;
  const index_t nb = p.b.size, na = p.a.size;
  // Lane-major normalised coefficients bq[k*L + l] = bn[k] of lane l (aq likewise); with a
  // compile-time order on the stack, apart from the tile buffers, so the compiler can keep them in
  // registers.
  constexpr int kFixed = N >= 0 ? (N + 1) * L : 1;
  alignas(64) T bq_fixed[kFixed] = {}, aq_fixed[kFixed] = {};
  std::vector<T> coef_dynamic(N >= 0 ? 0 : size_t(2 * (n + 1) * L), T(0));
  T* bq = N >= 0 ? bq_fixed : coef_dynamic.data();
  T* aq = N >= 0 ? aq_fixed : bq + (n + 1) * L;
  std::vector<T> storage(size_t((2 * (n + 1) /*acc*/ + 2 * (n + kTile) + (kTile + n) + kTile) * L), T(0));
  T* dbq = storage.data();     // running dbn
  T* daq = dbq + (n + 1) * L;  // running dan
  T* xb = daq + (n + 1) * L;   // rows [0, n): x history; [n, n+len): tile
  T* yb = xb + (n + kTile) * L;
  T* gb = yb + (n + kTile) * L;  // rows [0, len): dy in, gy out; [len, len+n): gy after the tile
  T* ob = gb + (kTile + n) * L;  // dx tile
  for (int l = 0; l < lanes; ++l) {
    const T a0 = p.a.get(c0 + l, 0);
    for (index_t k = 0; k <= n; ++k) {
      bq[k * L + l] = p.b.get(c0 + l, k) / a0;
      aq[k * L + l] = p.a.get(c0 + l, k) / a0;
    }
  }
  const index_t T_len = p.x.length;
  bool first = true;
  for (index_t end = T_len; end > 0; end -= kTile) {
    const index_t t0 = std::max<index_t>(0, end - kTile);
    const index_t len = end - t0;
    if (!first && n > 0) std::memmove(gb + len * L, gb, size_t(n * L) * sizeof(T));
    first = false;
    const index_t hist = std::min(n, t0);
    std::fill(xb, xb + (n - hist) * L, T(0));
    std::fill(yb, yb + (n - hist) * L, T(0));
    if (hist > 0) {
      gather_tile(p.x, c0, lanes, t0 - hist, hist, xb + (n - hist) * L);
      gather_tile(p.y, c0, lanes, t0 - hist, hist, yb + (n - hist) * L);
    }
    gather_tile(p.x, c0, lanes, t0, len, xb + n * L);
    gather_tile(p.y, c0, lanes, t0, len, yb + n * L);
    gather_tile(p.dy, c0, lanes, t0, len, gb);
    // The recursion alone in the time loop: gy[t] = dy[t] - sum_k an[k] gy[t+k].  Past the end of
    // the signal there is no gy[t+k]: the term is left out, not multiplied by zero (inf * 0 = NaN).
    const bool last = end == T_len;
    for (index_t t = len - 1; t >= 0; --t) {
      T* g = gb + t * L;
      alignas(64) T gy[L];
      for (int l = 0; l < L; ++l) gy[l] = g[l];
      // gy[t+1] enters last: the loop-carried dependency is one FMA per sample.
      for (index_t k = last ? std::min(n, len - 1 - t) : n; k >= 1; --k)
        for (int l = 0; l < L; ++l) gy[l] -= aq[k * L + l] * g[k * L + l];
      for (int l = 0; l < L; ++l) g[l] = gy[l];
    }
    // Then, over the tile, the correlations with gy (no loop-carried dependency):
    // dx[t] = sum_k bn[k] gy[t+k];  dbn[k] += sum_t gy[t] x[t-k];  dan[k] -= sum_t gy[t] y[t-k].
    for (index_t t = 0; t < len; ++t) {
      alignas(64) T d[L] = {};
      for (index_t k = 0; k <= (last ? std::min(n, len - 1 - t) : n); ++k)
        for (int l = 0; l < L; ++l) d[l] += bq[k * L + l] * gb[(t + k) * L + l];
      for (int l = 0; l < L; ++l) ob[t * L + l] = d[l];
    }
    const T* xt = xb + n * L;
    const T* yt = yb + n * L;
    for (index_t k = 0; k <= n; ++k) {
      alignas(64) T sx[4][L] = {}, sy[4][L] = {};
      index_t u = (t0 == 0) ? std::min(k, len) : 0;  // x[u - k], y[u - k] before the signal: no term
      for (; u + 4 <= len; u += 4)
        for (int r = 0; r < 4; ++r)
          for (int l = 0; l < L; ++l) {
            sx[r][l] += gb[(u + r) * L + l] * xt[(u + r - k) * L + l];
            sy[r][l] += gb[(u + r) * L + l] * yt[(u + r - k) * L + l];
          }
      for (; u < len; ++u)
        for (int l = 0; l < L; ++l) {
          sx[0][l] += gb[u * L + l] * xt[(u - k) * L + l];
          sy[0][l] += gb[u * L + l] * yt[(u - k) * L + l];
        }
      for (int l = 0; l < L; ++l) {
        dbq[k * L + l] += (sx[0][l] + sx[1][l]) + (sx[2][l] + sx[3][l]);
        daq[k * L + l] -= (sy[0][l] + sy[1][l]) + (sy[2][l] + sy[3][l]);
      }
    }
    scatter_tile(ob, c0, lanes, t0, len, p.dx);
  }
  // gb rows [0, n) now hold gy[0 .. n) (zero past the end of a signal shorter than n).
  if (p.dzi.data)
    for (int l = 0; l < lanes; ++l)
      for (index_t k = 0; k < n; ++k) p.dzi.at(c0 + l, k) = gb[k * L + l];
  for (int l = 0; l < lanes; ++l) {
    const index_t c = c0 + l;
    const T a0 = p.a.get(c, 0);
    T chain = T(0);  // bn . dbn + an[1:] . dan[1:]
    for (index_t k = 0; k < nb; ++k) {
      p.db[c * nb + k] = dbq[k * L + l] / a0;
      chain += bq[k * L + l] * dbq[k * L + l];
    }
    for (index_t k = 1; k < na; ++k) {
      p.da[c * na + k] = daq[k * L + l] / a0;
      chain += aq[k * L + l] * daq[k * L + l];
    }
    p.da[c * na] = -chain / a0;
  }
}

template <class T, int N>
void lfilter_backward_all(const LfilterBackwardArgs<T>& p, int order) {
  constexpr int L = kLanes<T>;
  const index_t C = p.x.channels();
  parallel_for(lane_blocks<T>(C), [&](index_t blk) {
    const index_t c0 = blk * L;
    lfilter_backward_block<T, N>(p, c0, int(std::min<index_t>(L, C - c0)), order);
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
