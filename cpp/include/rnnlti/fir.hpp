// The FIR filter of the lecture's first section, y[n] = sum_{m=0}^{K-1} h[m] x[n-m] with a zero
// initial state, on a batch of channels with per-channel or shared taps.  Three paths, chosen from
// the sizes alone (so the result never depends on the thread count):
//   - many taps: FFT overlap-save (fir_fft.hpp), above the crossover kFftMinTaps;
//   - time contiguous in x and y (time-last layout, or one long channel): SIMD along time, over work items of
//     (channel, block of about kFirBlock samples) spread over the threads;
//   - otherwise: SIMD across channels, over work items of (span of time, group of channel blocks); full
//     blocks of channels adjacent in x and y (time first) read and write the rows in place, the rest
//     go through lane-major tiles.
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

// Outputs [t0, t0 + len) of one block of L channels: y row t at yt + t * sy from x row t at
// xt + t * sx (rows down to t0 - (K - 1) readable: x itself, or a tile with its history in front), with
// the lane-major taps hq[m * L + l].  Each output sums its taps in order m = 0, 1, ... whatever the
// strides and the grouping, so tiles and rows read in place give the same bits.
// ahead > 0 (rows read in place, `ahead` rows from xt on exist): the lines of the rows kDistance
// ahead are asked for a group at a time, since the hardware prefetcher does not follow reads that
// step through the rows one block of channels at a time (64 taps, (100000, 64) float64, 2 threads:
// 7.2 -> 6.5 ms).
template <class T>
void fir_lane_rows(const T* hq, index_t K, const T* xt, index_t sx, T* yt, index_t sy, index_t t0, index_t len,
                   index_t ahead = 0) {
  constexpr index_t kDistance = 96;
  using V = Vec<T>;
  constexpr int L = kLanes<T>;
  // Warm-up: the first K-1 samples of the signal sum only the taps with n - m >= 0, as the lecture's
  // sum does: multiplying the zero history instead would turn an infinite tap into inf * 0 = NaN
  // where the exact answer is finite.
  const index_t warm = std::clamp<index_t>(K - 1 - t0, 0, len);
  index_t t = 0;
  for (; t < warm; ++t) {
    T acc[L] = {};
    for (index_t m = 0; m <= t0 + t; ++m)
      for (int l = 0; l < L; ++l) acc[l] += hq[m * L + l] * xt[(t - m) * sx + l];
    for (int l = 0; l < L; ++l) yt[t * sy + l] = acc[l];
  }
  // Groups of R rows (fir_group_vectors: 12 with many taps, else 8), then 4 for the rest.
  auto groups = [&](auto rows) __attribute__((always_inline)) {
    constexpr int R = decltype(rows)::value;
    for (; t + R <= len; t += R) {
      for (int r = 0; r < R && t + r + kDistance < ahead; ++r) {
        prefetch_vector(xt + (t + r + kDistance) * sx);
        prefetch_vector<true>(yt + (t + r + kDistance) * sy);
      }
      V acc[R] = {}, w[R];
      for (int r = 0; r < R; ++r) w[r] = vload(xt + (t + r) * sx);
      for (index_t m = 0;;) {  // w[r] = x[t + r - m]
        const V hv = vload(hq + m * L);
        for (int r = 0; r < R; ++r) acc[r] += hv * w[r];
        if (++m >= K) break;
        for (int r = R - 1; r > 0; --r) w[r] = w[r - 1];
        w[0] = vload(xt + (t - m) * sx);
      }
      for (int r = 0; r < R; ++r) vstore(yt + (t + r) * sy, acc[r]);
    }
  };
  if (fir_group_vectors<T>(K) == 12) groups(std::integral_constant<int, 12>{});
  groups(std::integral_constant<int, 8>{});
  groups(std::integral_constant<int, 4>{});
  for (; t < len; ++t) {
    V acc = {};
    for (index_t m = 0; m < K; ++m) acc += vload(hq + m * L) * vload(xt + (t - m) * sx);
    vstore(yt + t * sy, acc);
  }
}

// The lane-major taps of the channel block at c0: hq[m * L + l] = h[c0 + l][m].
template <class T>
std::vector<T> lane_taps(const FirArgs<T>& p, index_t c0, int lanes) {
  constexpr int L = kLanes<T>;
  const index_t K = p.h.size;
  std::vector<T> hq(size_t(K * L), T(0));
  for (int l = 0; l < lanes; ++l)
    for (index_t m = 0; m < K; ++m) hq[m * L + l] = p.h.get(c0 + l, m);
  return hq;
}

// Samples [t_begin, t_end) of one block of up to L channels through lane-major tiles, whose rows down
// to -(K - 1) hold the history (read from x itself for the first tile, zeros before the signal).
template <class T>
void fir_lane_block(const FirArgs<T>& p, index_t c0, int lanes, index_t t_begin, index_t t_end) {
  constexpr int L = kLanes<T>;
  const index_t K = p.h.size;
  const index_t H = K - 1;  // history rows kept in front of each tile
  const std::vector<T> hq = lane_taps(p, c0, lanes);
  std::vector<T> xs(size_t((H + kTile) * L), T(0));  // x history + tile
  std::vector<T> ys(size_t(kTile * L));
  const index_t h_begin = std::max<index_t>(0, t_begin - H);
  gather_tile(p.x, c0, lanes, h_begin, t_begin - h_begin, xs.data() + (H - (t_begin - h_begin)) * L);
  for (index_t t0 = t_begin; t0 < t_end; t0 += kTile) {
    const index_t len = std::min(kTile, t_end - t0);
    gather_tile(p.x, c0, lanes, t0, len, xs.data() + H * L);
    fir_lane_rows(hq.data(), K, xs.data() + H * L, index_t(L), ys.data(), index_t(L), t0, len);
    scatter_tile(ys.data(), c0, lanes, t0, len, p.y);
    // Keep the last H input rows as the history of the next tile (zeros before the signal starts).
    if (H > 0) std::copy(xs.begin() + len * L, xs.begin() + (len + H) * L, xs.begin());
  }
}

// Whether the channel block at c0 is full and its channels adjacent in both x and y (time first):
// then it is filtered in place, rows read from x and written to y directly.
template <class T>
bool lane_block_in_place(const FirArgs<T>& p, index_t c0) {
  constexpr int L = kLanes<T>;
  const auto adjacent = [&](const auto& s) { return s.s_inner == 1 && (c0 % s.inner) + L <= s.inner; };
  return c0 + L <= p.x.channels() && adjacent(p.x) && adjacent(p.y);
}

// Samples [t_begin, t_end) of the channel blocks [b0, b1).  Blocks filtered in place take chunks of
// kChunk rows in turn, so that the rows of a chunk are read and written whole (every block's line of
// them) instead of one 64-byte column of every row per block: tile copies and column-wise reads cost
// as much as the filtering (64 taps, (100000, 64) float64, one thread: 14 against 8 ms time last).
// The warm-up samples before K - 1 and the other blocks go through tiles.
template <class T>
void fir_lane_span(const FirArgs<T>& p, index_t b0, index_t b1, index_t t_begin, index_t t_end) {
  constexpr int L = kLanes<T>;
  constexpr index_t kChunk = 48;  // four groups of 12 rows
  const index_t C = p.x.channels(), K = p.h.size;
  std::vector<index_t> in_place;
  std::vector<std::vector<T>> taps;
  for (index_t b = b0; b < b1; ++b) {
    const index_t c0 = b * L;
    const int lanes = int(std::min<index_t>(L, C - c0));
    if (!lane_block_in_place(p, c0)) {
      fir_lane_block(p, c0, lanes, t_begin, t_end);
      continue;
    }
    if (t_begin < K - 1) fir_lane_block(p, c0, lanes, t_begin, std::min(t_end, K - 1));
    in_place.push_back(c0);
    taps.push_back(lane_taps(p, c0, lanes));
  }
  for (index_t t0 = std::max(t_begin, K - 1); t0 < t_end; t0 += kChunk) {
    const index_t len = std::min(kChunk, t_end - t0);
    for (size_t i = 0; i < in_place.size(); ++i) {
      const index_t c0 = in_place[i];
      fir_lane_rows(taps[i].data(), K, p.x.channel(c0) + t0 * p.x.s_time, p.x.s_time, p.y.channel(c0) + t0 * p.y.s_time,
                    p.y.s_time, t0, len, t_end - t0);
    }
  }
}

// Work items: spans of kSpan samples x groups of up to kGroup channel blocks, the groups of one span
// next to each other.  An FIR carries no state but its input, so a span starts from x's own history.
template <class T>
void fir_lanes(const FirArgs<T>& p) {
  constexpr index_t kSpan = 8 * kTile, kGroup = 8;
  const index_t blocks = lane_blocks<T>(p.x.channels()), T_len = p.x.length;
  const index_t spans = std::max<index_t>(1, (T_len + kSpan - 1) / kSpan), groups = (blocks + kGroup - 1) / kGroup;
  parallel_for(spans * groups, [&](index_t item) {
    const index_t b0 = (item % groups) * kGroup, t0 = (item / groups) * kSpan;
    fir_lane_span<T>(p, b0, std::min(blocks, b0 + kGroup), t0, std::min(T_len, t0 + kSpan));
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
