// The FIR filter of the lecture's first section, y[n] = sum_{m=0}^{K-1} h[m] x[n-m] with a zero
// initial state, on a batch of channels with per-channel or shared taps.  Three paths, chosen from
// the sizes alone (so the result never depends on the thread count):
//   - many taps: FFT overlap-save (fir_fft.hpp), above the crossover kFftMinTaps;
//   - time contiguous in x and y (time-last layout, or one long channel): SIMD along time, over work items of
//     (channel, block of kFirBlock samples) spread over the threads;
//   - otherwise (time-first layout, channels adjacent): SIMD across channels in lane-major tiles.
// Both direct paths hold R output vectors in registers and slide a window of R input vectors along
// the taps, so that each tap costs one FMA per output vector and one load per R of them.
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
struct FirArgs {
  Coefs<T> h;          // taps, h.size = K >= 1
  Signals<const T> x;  // input
  Signals<T> y;        // output, same outer/inner/length as x
};

namespace detail {

// Samples per work item of the time-contiguous path.
inline constexpr index_t kFirBlock = 8192;

// y[t + W r + i] for r < R, i < W (W = kLanes<T>) at xt = x + t, yt = y + t: taps j, j + W, j + 2W, ...
// read the input vectors W samples apart, so the window w[] slides by one vector per tap.
// Reads x[t - K + 1 .. t + R W).
template <class T, int R, bool Stream = false>
inline void fir_time_group(const T* h, index_t K, const T* xt, T* yt) {
  using V = Vec<T>;
  constexpr int W = kLanes<T>;
  V acc[R] = {};
  for (int j = 0; j < W && j < K; ++j) {
    V w[R];
    for (int r = 0; r < R; ++r) w[r] = vload(xt - j + W * r);
    for (index_t m = j;;) {
      const V hv = vsplat(h[m]);
      for (int r = 0; r < R; ++r) acc[r] = vfma<T>(hv, w[r], acc[r]);
      m += W;
      if (m >= K) break;
      for (int r = R - 1; r > 0; --r) w[r] = w[r - 1];
      w[0] = vload(xt - m);
    }
  }
  for (int r = 0; r < R; ++r) {
    if constexpr (Stream)
      vstream(yt + W * r, acc[r]);
    else
      vstore(yt + W * r, acc[r]);
  }
}

// One output y[t] (t >= K - 1) summed in the order of a lane of fir_time_group (taps j, j + W, ...
// for j < W), so that an output rounds the same whether a vector group or this loop computed it:
// the groups' positions move with the output's alignment when it is streamed.
template <class T>
inline T fir_point(const T* h, index_t K, const T* xt) {
  constexpr int W = kLanes<T>;
  T acc = T(0);
  for (int j = 0; j < W && j < K; ++j)
    for (index_t m = j; m < K; m += W) acc = sfma(h[m], xt[-m], acc);
  return acc;
}

// Output vectors per group of the time-contiguous path: 8 independent accumulators keep both FMA pipes
// (4 cycles' latency) busy when the taps are few; from 8 taps per accumulator chain on (K >= 8 lanes),
// 12 hide the latency better (A/B, 64 x 100,000, 2 threads, ms: float64 K = 64 4.18 -> 3.93, K = 128
// 8.32 -> 7.09; float32 K = 128 4.25 -> 3.96, K = 192 6.41 -> 5.60), while with fewer taps their longer
// window loses (float32 K = 64 2.15 -> 2.39).  Each output sums in the same order either way.
template <class T>
inline constexpr int fir_group_vectors(index_t K) {
  return K >= 8 * kLanes<T> ? 12 : 8;
}

// Outputs [t_begin, t_end) of one time-contiguous channel.  stream: write the bulk with
// non-temporal stores (an output beyond the cache), from the first 64-byte-aligned output on.
template <class T>
void fir_time_range(const T* h, index_t K, const T* x, T* y, index_t t_begin, index_t t_end, bool stream = false) {
  constexpr int W = kLanes<T>;
  // 8 independent accumulators (12 with many taps, fir_group_vectors): two FMA pipes of 4 cycles'
  // latency need 8 chains in flight.
  constexpr int R = 8;
  index_t t = t_begin;
  // The first K - 1 outputs see the zeros before the signal: plain sums (and, when streaming, the
  // few before the first aligned output).
  const auto aligned = [&](index_t u) { return reinterpret_cast<std::uintptr_t>(y + u) % 64 == 0; };
  for (; t < std::min(t_end, K - 1); ++t) {
    T acc = T(0);
    for (index_t m = 0; m <= t; ++m) acc += h[m] * x[t - m];
    y[t] = acc;
  }
  for (; stream && t < t_end && !aligned(t); ++t) y[t] = fir_point(h, K, x + t);
  if (stream && aligned(t)) {
    for (; t + R * W <= t_end; t += R * W) fir_time_group<T, R, true>(h, K, x + t, y + t);
    stream_fence();
  }
  if (fir_group_vectors<T>(K) == 12)
    for (; t + 12 * W <= t_end; t += 12 * W) fir_time_group<T, 12>(h, K, x + t, y + t);
  for (; t + R * W <= t_end; t += R * W) fir_time_group<T, R>(h, K, x + t, y + t);
  for (; t + 2 * W <= t_end; t += 2 * W) fir_time_group<T, 2>(h, K, x + t, y + t);
  for (; t + W <= t_end; t += W) fir_time_group<T, 1>(h, K, x + t, y + t);
  for (; t < t_end; ++t) y[t] = fir_point(h, K, x + t);
}

template <class T>
void fir_time_contiguous(const FirArgs<T>& p) {
  const index_t C = p.x.channels(), T_len = p.x.length, K = p.h.size;
  const index_t group = fir_group_vectors<T>(K) * kLanes<T>;
  const index_t block = kFirBlock / group * group;  // whole groups: no short tails inside a channel
  const index_t blocks = (T_len + block - 1) / block;
  // Short filters are bound by memory traffic, where streaming the output saves a third of it; from
  // about 32 taps on the multiply-adds bound, and the streamed stores only cost (bench/micro).
  const bool stream = K < 32 && C * T_len * index_t(sizeof(T)) >= kStreamMinBytes && p.x.data != p.y.data;
  parallel_for(C * blocks, [&](index_t item) {
    const index_t c = item / blocks, t0 = (item % blocks) * block;
    std::vector<T> h(static_cast<size_t>(K));
    for (index_t m = 0; m < K; ++m) h[m] = p.h.get(c, m);
    fir_time_range(h.data(), K, p.x.channel(c), p.y.channel(c), t0, std::min(T_len, t0 + block), stream);
  });
}

// Samples [t_begin, t_end) of one block of up to L channels in lane-major tiles; xt rows down to
// -(K - 1) hold the history (read from x itself for the first tile, zeros before the signal).
template <class T>
void fir_lane_block(const FirArgs<T>& p, index_t c0, int lanes, index_t t_begin, index_t t_end) {
  using V = Vec<T>;
  constexpr int L = kLanes<T>;
  const index_t K = p.h.size;
  const index_t H = K - 1;  // history rows kept in front of each tile
  std::vector<T> hq(size_t(K * L), T(0));
  for (int l = 0; l < lanes; ++l)
    for (index_t m = 0; m < K; ++m) hq[m * L + l] = p.h.get(c0 + l, m);
  std::vector<T> xs(size_t((H + kTile) * L), T(0));  // x history + tile
  std::vector<T> ys(size_t(kTile * L));
  const index_t h_begin = std::max<index_t>(0, t_begin - H);
  gather_tile(p.x, c0, lanes, h_begin, t_begin - h_begin, xs.data() + (H - (t_begin - h_begin)) * L);
  for (index_t t0 = t_begin; t0 < t_end; t0 += kTile) {
    const index_t len = std::min(kTile, t_end - t0);
    gather_tile(p.x, c0, lanes, t0, len, xs.data() + H * L);
    const T* xt = xs.data() + H * L;  // xt[t*L] is x[t0 + t]
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
    // Groups of R rows (fir_group_vectors: 12 with many taps, else 8), then 4 for the rest of the tile.
    auto groups = [&](auto rows) __attribute__((always_inline)) {
      constexpr int R = decltype(rows)::value;
      for (; t + R <= len; t += R) {
        V acc[R] = {}, w[R];
        for (int r = 0; r < R; ++r) w[r] = vload(xt + (t + r) * L);
        for (index_t m = 0;;) {  // w[r] = x[t + r - m]
          const V hv = vload(hq.data() + m * L);
          for (int r = 0; r < R; ++r) acc[r] += hv * w[r];
          if (++m >= K) break;
          for (int r = R - 1; r > 0; --r) w[r] = w[r - 1];
          w[0] = vload(xt + (t - m) * L);
        }
        for (int r = 0; r < R; ++r) vstore(ys.data() + (t + r) * L, acc[r]);
      }
    };
    if (fir_group_vectors<T>(K) == 12) groups(std::integral_constant<int, 12>{});
    groups(std::integral_constant<int, 8>{});
    groups(std::integral_constant<int, 4>{});
    for (; t < len; ++t) {
      V acc = {};
      for (index_t m = 0; m < K; ++m) acc += vload(hq.data() + m * L) * vload(xt + (t - m) * L);
      vstore(ys.data() + t * L, acc);
    }
    scatter_tile(ys.data(), c0, lanes, t0, len, p.y);
    // Keep the last H input rows as the history of the next tile (zeros before the signal starts).
    if (H > 0) std::copy(xs.begin() + len * L, xs.begin() + (len + H) * L, xs.begin());
  }
}

// Work items are (block of time, block of channels), the channel blocks of one time block next to each
// other in the order: with channels adjacent in memory (time first), the threads then read and write
// neighbouring lines of the same rows at about the same time instead of one 64-byte column of every
// row each, which measured twice as slow as the time-last path (64 taps, (100000, 64) float64: 8.6
// against 4.4 ms).  An FIR carries no state but its input, so a time block starts from x's own history.
template <class T>
void fir_lanes(const FirArgs<T>& p) {
  constexpr int L = kLanes<T>;
  constexpr index_t kRows = 8 * kTile;  // samples per work item
  const index_t C = p.x.channels(), blocks = lane_blocks<T>(C), T_len = p.x.length;
  const index_t spans = std::max<index_t>(1, (T_len + kRows - 1) / kRows);
  parallel_for(spans * blocks, [&](index_t item) {
    const index_t c0 = (item % blocks) * L, t0 = (item / blocks) * kRows;
    fir_lane_block<T>(p, c0, int(std::min<index_t>(L, C - c0)), t0, std::min(T_len, t0 + kRows));
  });
}

}  // namespace detail
}  // namespace rnnlti

#include "fir_fft.hpp"

namespace rnnlti {

template <class T>
void fir(const FirArgs<T>& p) {
  if (detail::use_fft<T>(p.h.size, p.x.length)) return detail::fir_fft<T>(p);
  if (p.x.s_time == 1 && p.y.s_time == 1 && p.x.length >= 4 * kLanes<T>) return detail::fir_time_contiguous(p);
  detail::fir_lanes(p);
}

}  // namespace rnnlti
