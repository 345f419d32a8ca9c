// The lecture's nonlinear FIR filter (a 1-D CNN layer with one shared kernel) and its back-prop:
//   forward   yhat[n] = g(xi[n]),  xi[n] = sum_{m=0}^{K-1} w[m] x[n-m]      (zero initial state)
//   backward  dxi[n] = dyhat[n] g'(xi[n]),  dx[n] = sum_m w[m] dxi[n+m],  dw[m] = sum_n dxi[n] x[n-m]
// with dw summed over every channel (w is shared).  Channels run kLanes at a time, one SIMD lane each.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "common.hpp"
#include "lane_math.hpp"
#include "parallel.hpp"
#include "tile.hpp"

namespace rnnlti {

template <class T>
struct NonlinearFirArgs {
  const T* w = nullptr;  // taps w[0..K-1], shared by every channel
  index_t taps = 0;      // K >= 1
  Activation activation = Activation::Tanh;
};

namespace detail {

template <class T, Activation A>
void nonlinear_fir_block(const NonlinearFirArgs<T>& p, const Signals<const T>& x, const Signals<T>& y,
                         index_t c0, int lanes) {
  constexpr int L = kLanes<T>;
  constexpr int R = 4;  // outputs computed together, so each tap is loaded once per R outputs
  const index_t K = p.taps, H = K - 1;
  std::vector<T> storage(size_t((H + 2 * kTile) * L), T(0));
  T* xs = storage.data();          // rows [0, H): x history (zeros before the signal); then the tile
  T* ys = xs + (H + kTile) * L;    // output tile
  const T* xt = xs + H * L;        // xt[t*L] is x[t0 + t]
  const index_t T_len = x.length;
  for (index_t t0 = 0; t0 < T_len; t0 += kTile) {
    const index_t len = std::min(kTile, T_len - t0);
    gather_tile(x, c0, lanes, t0, len, xs + H * L);
    // Warm-up: the first K-1 samples of the signal sum only the taps with n - m >= 0 (the
    // lecture's sum), not products with the zero history: an infinite tap times 0 would be NaN.
    const index_t warm = std::clamp<index_t>(H - t0, 0, len);
    index_t t = 0;
    for (; t < warm; ++t) {
      alignas(64) T acc[L] = {};
      for (index_t m = 0; m <= t0 + t; ++m)
        for (int l = 0; l < L; ++l) acc[l] += p.w[m] * xt[(t - m) * L + l];
      for (int l = 0; l < L; ++l) ys[t * L + l] = lane::activate<A>(acc[l]);
    }
    for (; t + R <= len; t += R) {
      alignas(64) T acc[R][L] = {};
      for (index_t m = 0; m < K; ++m) {
        const T wm = p.w[m];
        for (int r = 0; r < R; ++r)
          for (int l = 0; l < L; ++l) acc[r][l] += wm * xt[(t + r - m) * L + l];
      }
      for (int r = 0; r < R; ++r)
        for (int l = 0; l < L; ++l) ys[(t + r) * L + l] = lane::activate<A>(acc[r][l]);
    }
    for (; t < len; ++t) {
      alignas(64) T acc[L] = {};
      for (index_t m = 0; m < K; ++m)
        for (int l = 0; l < L; ++l) acc[l] += p.w[m] * xt[(t - m) * L + l];
      for (int l = 0; l < L; ++l) ys[t * L + l] = lane::activate<A>(acc[l]);
    }
    scatter_tile(ys, c0, lanes, t0, len, y);
    if (H > 0) std::memmove(xs, xs + len * L, size_t(H * L) * sizeof(T));
  }
}

// Walks the tiles from the end of the signal back: dx needs dxi of the K-1 samples after each tile
// (kept in rows [len, len+H) of db), dw the K-1 inputs before it (gathered into rows [0, H) of xb).
template <class T, Activation A>
void nonlinear_fir_backward_block(const NonlinearFirArgs<T>& p, const Signals<const T>& x,
                                  const Signals<const T>& y, const Signals<const T>& dy, const Signals<T>& dx,
                                  index_t c0, int lanes, T* dw_block) {
  constexpr int L = kLanes<T>;
  constexpr int R = 4;
  const index_t K = p.taps, H = K - 1;
  std::vector<T> storage(size_t((3 * kTile + 2 * H + K + kTile) * L), T(0));
  T* xb = storage.data();           // (H + kTile) rows
  T* db = xb + (H + kTile) * L;     // (kTile + H) rows
  T* yb = db + (kTile + H) * L;     // kTile rows: yhat, then reused for dx
  T* acc = yb + kTile * L;          // K rows: lane l's running dw[m]
  const index_t T_len = x.length;
  bool first = true;
  for (index_t end = T_len; end > 0; end -= kTile) {
    const index_t t0 = std::max<index_t>(0, end - kTile);
    const index_t len = end - t0;
    if (!first && H > 0) std::memmove(db + len * L, db, size_t(H * L) * sizeof(T));
    first = false;
    // x history: x[t0-H .. t0), zeros before the signal's start.
    const index_t from_x = std::min(H, t0);
    std::fill(xb, xb + (H - from_x) * L, T(0));
    if (from_x > 0) gather_tile(x, c0, lanes, t0 - from_x, from_x, xb + (H - from_x) * L);
    gather_tile(x, c0, lanes, t0, len, xb + H * L);
    gather_tile(dy, c0, lanes, t0, len, db);
    gather_tile(y, c0, lanes, t0, len, yb);
    for (index_t i = 0; i < len * L; ++i) db[i] *= derivative_from_output<A>(yb[i]);
    // dx[t] = sum_m w[m] dxi[t+m], over the samples t + m that exist: in the signal's last K-1
    // samples the padding rows are left out of the sum, not multiplied (w[m] = inf times 0 is NaN).
    const index_t stop = (end == T_len) ? len - std::min(H, len) : len;
    index_t t = 0;
    for (; t + R <= stop; t += R) {
      alignas(64) T s[R][L] = {};
      for (index_t m = 0; m < K; ++m) {
        const T wm = p.w[m];
        for (int r = 0; r < R; ++r)
          for (int l = 0; l < L; ++l) s[r][l] += wm * db[(t + r + m) * L + l];
      }
      for (int r = 0; r < R; ++r)
        for (int l = 0; l < L; ++l) yb[(t + r) * L + l] = s[r][l];
    }
    for (; t < len; ++t) {
      alignas(64) T s[L] = {};
      const index_t taps = (end == T_len) ? std::min(K, len - t) : K;
      for (index_t m = 0; m < taps; ++m)
        for (int l = 0; l < L; ++l) s[l] += p.w[m] * db[(t + m) * L + l];
      for (int l = 0; l < L; ++l) yb[t * L + l] = s[l];
    }
    scatter_tile(yb, c0, lanes, t0, len, dx);
    // dw[m] += sum_t dxi[t] x[t-m], four partial sums over t for throughput.
    const T* xt = xb + H * L;
    for (index_t m = 0; m < K; ++m) {
      alignas(64) T s[R][L] = {};
      index_t u = (t0 == 0) ? std::min(m, len) : 0;  // x[u - m] before the signal: not a term
      for (; u + R <= len; u += R)
        for (int r = 0; r < R; ++r)
          for (int l = 0; l < L; ++l) s[r][l] += db[(u + r) * L + l] * xt[(u + r - m) * L + l];
      for (; u < len; ++u)
        for (int l = 0; l < L; ++l) s[0][l] += db[u * L + l] * xt[(u - m) * L + l];
      for (int l = 0; l < L; ++l) acc[m * L + l] += (s[0][l] + s[1][l]) + (s[2][l] + s[3][l]);
    }
  }
  for (index_t m = 0; m < K; ++m) {
    T s = T(0);
    for (int l = 0; l < lanes; ++l) s += acc[m * L + l];
    dw_block[m] = s;
  }
}

}  // namespace detail

template <class T>
void nonlinear_fir(const NonlinearFirArgs<T>& p, const Signals<const T>& x, const Signals<T>& y) {
  constexpr int L = kLanes<T>;
  const index_t C = x.channels();
  dispatch_activation(p.activation, [&](auto tag) {
    constexpr Activation A = decltype(tag)::value;
    parallel_for(lane_blocks<T>(C), [&](index_t blk) {
      const index_t c0 = blk * L;
      detail::nonlinear_fir_block<T, A>(p, x, y, c0, int(std::min<index_t>(L, C - c0)));
    });
  });
}

// From yhat = nonlinear_fir(w, x) and dyhat = dL/dyhat: writes dx and dw[0..K).
template <class T>
void nonlinear_fir_backward(const NonlinearFirArgs<T>& p, const Signals<const T>& x, const Signals<const T>& y,
                            const Signals<const T>& dy, const Signals<T>& dx, T* dw) {
  constexpr int L = kLanes<T>;
  const index_t C = x.channels();
  const index_t K = p.taps;
  const index_t blocks = lane_blocks<T>(C);
  std::vector<T> partial(size_t(blocks * K), T(0));
  dispatch_activation(p.activation, [&](auto tag) {
    constexpr Activation A = decltype(tag)::value;
    parallel_for(blocks, [&](index_t blk) {
      const index_t c0 = blk * L;
      detail::nonlinear_fir_backward_block<T, A>(p, x, y, dy, dx, c0, int(std::min<index_t>(L, C - c0)),
                                                 partial.data() + blk * K);
    });
  });
  sum_blocks_in_order(partial.data(), blocks, K, dw);
}

}  // namespace rnnlti
