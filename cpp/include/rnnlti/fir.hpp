// The FIR filter of the lecture's first section, y[n] = sum_{m=0}^{K-1} h[m] x[n-m] with a zero
// initial state, on a batch of channels (one SIMD lane each) with per-channel or shared taps.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "common.hpp"
#include "parallel.hpp"
#include "tile.hpp"

namespace rnnlti {

template <class T>
struct FirArgs {
  Coefs<T> h;          // taps, h.size = K >= 1
  Signals<const T> x;  // input
  Signals<T> y;        // output, same outer/inner/length as x
};

namespace detail {

template <class T>
void fir_block(const FirArgs<T>& p, index_t c0, int lanes) {
  constexpr int L = kLanes<T>;
  constexpr int R = 4;  // output samples computed together, so each tap is loaded once per R outputs
  const index_t K = p.h.size;
  const index_t H = K - 1;  // history rows kept in front of each tile
  std::vector<T> hq(size_t(K * L), T(0));
  for (int l = 0; l < lanes; ++l)
    for (index_t m = 0; m < K; ++m) hq[m * L + l] = p.h.get(c0 + l, m);
  std::vector<T> xs(size_t((H + kTile) * L), T(0));  // x history + tile
  std::vector<T> ys(size_t(kTile * L));
  const index_t T_len = p.x.length;
  for (index_t t0 = 0; t0 < T_len; t0 += kTile) {
    const index_t len = std::min(kTile, T_len - t0);
    gather_tile(p.x, c0, lanes, t0, len, xs.data() + H * L);
    const T* xt = xs.data() + H * L;  // xt[t*L] is x[t0 + t]; rows down to -H are valid
    // Warm-up: the first K-1 samples of the signal sum only the taps with n - m >= 0, as the
    // lecture's sum does: multiplying the zero history instead would turn an infinite tap into
    // inf * 0 = NaN where the exact answer is finite.
    const index_t warm = std::clamp<index_t>(H - t0, 0, len);
    index_t t = 0;
    for (; t < warm; ++t) {
      T acc[L] = {};
      for (index_t m = 0; m <= t0 + t; ++m)
        for (int l = 0; l < L; ++l) acc[l] += hq[m * L + l] * xt[(t - m) * L + l];
      for (int l = 0; l < L; ++l) ys[t * L + l] = acc[l];
    }
    for (; t + R <= len; t += R) {
      T acc[R][L] = {};
      for (index_t m = 0; m < K; ++m) {
        const T* hm = hq.data() + m * L;
        for (int r = 0; r < R; ++r)
          for (int l = 0; l < L; ++l) acc[r][l] += hm[l] * xt[(t + r - m) * L + l];
      }
      for (int r = 0; r < R; ++r)
        for (int l = 0; l < L; ++l) ys[(t + r) * L + l] = acc[r][l];
    }
    for (; t < len; ++t) {
      T acc[L] = {};
      for (index_t m = 0; m < K; ++m)
        for (int l = 0; l < L; ++l) acc[l] += hq[m * L + l] * xt[(t - m) * L + l];
      for (int l = 0; l < L; ++l) ys[t * L + l] = acc[l];
    }
    scatter_tile(ys.data(), c0, lanes, t0, len, p.y);
    // Keep the last H input rows as the history of the next tile (zeros before the signal starts).
    if (H > 0) std::copy(xs.begin() + len * L, xs.begin() + (len + H) * L, xs.begin());
  }
}

}  // namespace detail

template <class T>
void fir(const FirArgs<T>& p) {
  constexpr int L = kLanes<T>;
  const index_t C = p.x.channels();
  parallel_for(lane_blocks<T>(C), [&](index_t blk) {
    const index_t c0 = blk * L;
    detail::fir_block<T>(p, c0, int(std::min<index_t>(L, C - c0)));
  });
}

}  // namespace rnnlti
