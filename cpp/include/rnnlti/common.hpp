// Shared vocabulary of the kernels: index type, strided views of batched signals, SIMD lane counts.
// Nothing here knows about Python.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rnnlti {

// 64-bit signed indices everywhere: arrays may hold more than 2^31 elements.
using index_t = std::ptrdiff_t;

// A batch of signals viewed as (outer, inner, time) with element strides.  Channel c is
// (c / inner, c % inner).  Any N-d array filtered along one axis maps onto this without a copy when
// the axes before the time axis merge into `outer` and those after it into `inner` (always true for a
// C-contiguous array).  Zero strides (broadcast inputs) are allowed.
template <class T>
struct Signals {
  T* data = nullptr;
  index_t outer = 0, inner = 1, length = 0;
  index_t s_outer = 0, s_inner = 0, s_time = 0;

  index_t channels() const { return outer * inner; }
  // Pointer to sample 0 of channel c.
  T* channel(index_t c) const {
    return data + (c / inner) * s_outer + (c % inner) * s_inner;
  }
  T& at(index_t c, index_t t) const { return channel(c)[t * s_time]; }
};

// Per-channel coefficient vectors (a filter bank), viewed as (outer, inner, k) like Signals; a filter
// shared by every channel has zero outer/inner strides.
template <class T>
struct Coefs {
  const T* data = nullptr;
  index_t outer = 1, inner = 1, size = 0;
  index_t s_outer = 0, s_inner = 0, s_k = 1;

  const T* channel(index_t c) const {
    return data + (c / inner) * s_outer + (c % inner) * s_inner;
  }
  T get(index_t c, index_t k) const { return k < size ? channel(c)[k * s_k] : T(0); }
  bool shared() const { return s_outer == 0 && s_inner == 0; }
};

// Channels processed together in SIMD lanes: one 512-bit register of each type.
template <class T>
inline constexpr int kLanes = 64 / int(sizeof(T));

// Samples of a time tile: lanes x tile fit in L1 with room for the output tile.
inline constexpr index_t kTile = 256;

}  // namespace rnnlti
