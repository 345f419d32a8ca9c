// Moving a block of up to kLanes<T> channels between strided memory and a small lane-major buffer
// buf[t * kLanes + lane], so that a recurrence in time runs with one SIMD lane per channel.
// Time-first data (channels adjacent) is copied a row at a time; time-last data (each channel
// contiguous in time) goes through in-register transposes of L channels by kStepGroup steps (simd.hpp).
#pragma once

#include <cstdint>
#include <type_traits>

#include "common.hpp"
#include "simd.hpp"

namespace rnnlti {

// buf[t][l] = x[c0 + l][t0 + t] for t < n, l < lanes; unused lanes are zero.
template <class T, class S>
inline void gather_tile(const Signals<S>& x, index_t c0, int lanes, index_t t0, index_t n, T* buf) {
  constexpr int L = kLanes<T>;
  if (lanes < L) {
    for (index_t i = 0; i < n * L; ++i) buf[i] = T(0);
  }
  if (x.s_inner == 1 && (c0 % x.inner) + lanes <= x.inner) {
    // Channels adjacent in memory (time-first layout): read each time step's row contiguously.
    const S* src = x.channel(c0) + t0 * x.s_time;
    if (lanes == L) {
      for (index_t t = 0; t < n; ++t)
        for (int l = 0; l < L; ++l) buf[t * L + l] = src[t * x.s_time + l];
      return;
    }
    for (index_t t = 0; t < n; ++t)
      for (int l = 0; l < lanes; ++l) buf[t * L + l] = src[t * x.s_time + l];
    return;
  }
  index_t t = 0;
  if constexpr (std::is_same_v<std::remove_const_t<S>, T>) {
    if (x.s_time == 1 && lanes == L) {
      // Time-last layout: L x L blocks transposed in registers.
      const T* rows[L];
      for (int l = 0; l < L; ++l) rows[l] = x.channel(c0 + l) + t0;
      constexpr int G = kStepGroup<T>;
      for (; t + G <= n; t += G) {
        Vec<T> r[G];
        group_in(rows, t, r);
        for (int j = 0; j < G; ++j) vstore(buf + (t + j) * L, r[j]);
      }
    }
  }
  for (int l = 0; l < lanes; ++l) {
    const S* src = x.channel(c0 + l) + t0 * x.s_time;
    const index_t st = x.s_time;
    for (index_t u = t; u < n; ++u) buf[u * L + l] = src[u * st];
  }
}

// y[c0 + l][t0 + t] = buf[t][l].  stream: time-last rows 64-byte aligned at t0 (see
// stream_origin), written with non-temporal stores (the caller ends with stream_fence()).
template <class T>
inline void scatter_tile(const T* buf, index_t c0, int lanes, index_t t0, index_t n, const Signals<T>& y,
                         bool stream = false) {
  constexpr int L = kLanes<T>;
  if (y.s_inner == 1 && (c0 % y.inner) + lanes <= y.inner) {
    T* dst = y.channel(c0) + t0 * y.s_time;
    if (lanes == L) {
      for (index_t t = 0; t < n; ++t)
        for (int l = 0; l < L; ++l) dst[t * y.s_time + l] = buf[t * L + l];
      return;
    }
    for (index_t t = 0; t < n; ++t)
      for (int l = 0; l < lanes; ++l) dst[t * y.s_time + l] = buf[t * L + l];
    return;
  }
  index_t t = 0;
  if (y.s_time == 1 && lanes == L) {
    T* rows[L];
    for (int l = 0; l < L; ++l) rows[l] = y.channel(c0 + l) + t0;
    constexpr int G = kStepGroup<T>, S = kStreamGroup<T>;
    if (stream) {
      for (; t + S <= n; t += S) {
        Vec<T> r[S];
        for (int j = 0; j < S; ++j) r[j] = vload(buf + (t + j) * L);
        stream_out(r, rows, t);
      }
    }
    for (; t + G <= n; t += G) {
      Vec<T> r[G];
      for (int j = 0; j < G; ++j) r[j] = vload(buf + (t + j) * L);
      group_out(r, rows, t);
    }
  }
  for (int l = 0; l < lanes; ++l) {
    T* dst = y.channel(c0 + l) + t0 * y.s_time;
    const index_t st = y.s_time;
    for (index_t u = t; u < n; ++u) dst[u * st] = buf[u * L + l];
  }
}

// Where the time tiles of a full block of time-last output rows start so that they can be streamed
// (non-temporal stores, for outputs beyond the cache): tiles at origin + k kTile, origin in
// (-kTile, 0], every row 64-byte aligned at each tile start but the first.  Returns 1 (no
// tile starts there) when streaming does not apply: a small output, one written in place, or rows
// misaligned differently.
template <class T>
inline index_t stream_origin(const Signals<const T>& x, const Signals<T>& y, index_t c0) {
  constexpr index_t unit = 64;
  const index_t bytes = y.channels() * y.length * index_t(sizeof(T));
  if (y.s_time != 1 || bytes < kStreamMinBytes || c0 + kLanes<T> > y.channels()) return 1;
  if (static_cast<const void*>(x.data) == static_cast<const void*>(y.data)) return 1;
  const auto misalign = [&](index_t l) { return index_t(reinterpret_cast<std::uintptr_t>(y.channel(c0 + l)) % unit); };
  const index_t m = misalign(0);
  if (m % index_t(sizeof(T))) return 1;
  for (int l = 1; l < kLanes<T>; ++l)
    if (misalign(l) != m) return 1;
  const index_t peel = ((unit - m) % unit) / index_t(sizeof(T));
  return peel == 0 ? 0 : peel - kTile;
}

// Number of lane blocks covering `channels` channels.
template <class T>
inline index_t lane_blocks(index_t channels) {
  return (channels + kLanes<T> - 1) / kLanes<T>;
}

}  // namespace rnnlti
