// A cascade of second-order sections (biquads), in scipy.signal.sosfilt's conventions: section s has
// coefficients sos[s] = (b0, b1, b2, a0, a1, a2) (divided by a0 below) and computes, as the transposed
// direct form II with state (z0, z1) (scipy's zi layout),
//   y[n] = b0 x[n] + z0,   z0 <- b1 x[n] - a1 y[n] + z1,   z1 <- b2 x[n] - a2 y[n],
// the output of section s being the input of section s + 1.
//
// One pass over the data: a time tile of kLanes channels is gathered into a lane-major buffer in L1,
// every section runs over it, and it is scattered once.  Within a tile the sections run as a wavefront
// (sample n of section s, then sample n of section s + 1, ...), up to kSosGroup sections at a time, so
// that the recurrences of several sections overlap in the FMA pipes instead of each section waiting
// on its own 8-cycle loop-carried dependency.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "common.hpp"
#include "parallel.hpp"
#include "tile.hpp"

namespace rnnlti {

template <class T>
struct SosfiltArgs {
  Coefs<T> sos;          // per channel: 6 * sections coefficients, section s at [6s, 6s + 6)
  Signals<const T> x;    // input
  Signals<T> y;          // output, same outer/inner/length as x (may alias x exactly)
  // Initial / final states, scipy's (n_sections, ..., 2, ...) layout: section 0's states as signals of
  // length 2, section s's at s * *_s_section elements further.  data == nullptr: zero / not wanted.
  Signals<const T> zi;
  Signals<T> zf;
  index_t zi_s_section = 0, zf_s_section = 0;
  index_t sections = 0;
  bool reverse = false;  // filter from the last sample to the first (filtfilt's backward pass)
};

namespace detail {

// Sections run together in one sweep over a tile (register budget: 5 coefficients + 2 states each).
inline constexpr int kSosGroup = 4;

// One SIMD register of kLanes<T> channels (GCC/Clang vector extension: the compiler keeps the
// group's states in registers, which plain arrays did not guarantee for every G and dtype).
template <class T>
struct Lanes {
  typedef T type __attribute__((vector_size(64)));
};

// Runs G sections over a lane-major tile buf[t * L + l] in place.  cq holds the group's normalised
// coefficients cq[(5g + k) * L + l] (b0 b1 b2 a1 a2), z its states z[(2g + j) * L + l].
template <class T, int G, bool Reverse>
void biquad_group(T* buf, index_t len, const T* cq, T* z) {
  constexpr int L = kLanes<T>;
  using V = typename Lanes<T>::type;
  static_assert(sizeof(V) == L * sizeof(T), "one register per lane block");
  V b0[G], b1[G], b2[G], a1[G], a2[G], z0[G], z1[G];
  // memcpy moves (unaligned) registers in and out; no function takes a vector by value, which
  // would warn about the ABI of 64-byte vectors in builds without AVX-512.
  for (int g = 0; g < G; ++g) {
    std::memcpy(&b0[g], cq + (5 * g + 0) * L, sizeof(V));
    std::memcpy(&b1[g], cq + (5 * g + 1) * L, sizeof(V));
    std::memcpy(&b2[g], cq + (5 * g + 2) * L, sizeof(V));
    std::memcpy(&a1[g], cq + (5 * g + 3) * L, sizeof(V));
    std::memcpy(&a2[g], cq + (5 * g + 4) * L, sizeof(V));
    std::memcpy(&z0[g], z + (2 * g) * L, sizeof(V));
    std::memcpy(&z1[g], z + (2 * g + 1) * L, sizeof(V));
  }
  for (index_t i = 0; i < len; ++i) {
    const index_t t = Reverse ? len - 1 - i : i;
    V u;
    std::memcpy(&u, buf + t * L, sizeof(V));
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) {
      // Parenthesised so that the loop-carried path y -> z0 -> y is two FMAs (8 cycles), not four ops.
      const V y = b0[g] * u + z0[g];
      z0[g] = (b1[g] * u + z1[g]) - a1[g] * y;
      z1[g] = b2[g] * u - a2[g] * y;
      u = y;
    }
    std::memcpy(buf + t * L, &u, sizeof(V));
  }
  for (int g = 0; g < G; ++g) {
    std::memcpy(z + (2 * g) * L, &z0[g], sizeof(V));
    std::memcpy(z + (2 * g + 1) * L, &z1[g], sizeof(V));
  }
}

template <class T, bool Reverse>
void biquads(T* buf, index_t len, const T* cq, T* z, index_t sections) {
  constexpr int L = kLanes<T>;
  for (index_t s = 0; s < sections; s += kSosGroup) {
    const T* c = cq + 5 * s * L;
    T* zs = z + 2 * s * L;
    switch (std::min<index_t>(kSosGroup, sections - s)) {
      case 1: biquad_group<T, 1, Reverse>(buf, len, c, zs); break;
      case 2: biquad_group<T, 2, Reverse>(buf, len, c, zs); break;
      case 3: biquad_group<T, 3, Reverse>(buf, len, c, zs); break;
      default: biquad_group<T, 4, Reverse>(buf, len, c, zs); break;
    }
  }
}

// Filters lane blocks [blk0, blk1) through the whole cascade, all of them per time tile: with channels
// adjacent in memory (time-first data) the blocks together read whole rows instead of each block
// sweeping the array for its own slice of every row.
template <class T, bool Reverse>
void sosfilt_blocks(const SosfiltArgs<T>& p, index_t blk0, index_t blk1) {
  constexpr int L = kLanes<T>;
  const index_t S = p.sections, C = p.x.channels(), nb = blk1 - blk0;
  // Per block: lane-major normalised coefficients (5 S L) and states (2 S L); one tile buffer.
  // Unused lanes stay zero (no NaN from 0 / 0).
  const index_t per_block = 7 * S * L;
  std::vector<T> scratch(size_t(nb * per_block + kTile * L), T(0));
  T* buf = scratch.data() + nb * per_block;
  for (index_t b = 0; b < nb; ++b) {
    T* cq = scratch.data() + b * per_block;
    T* z = cq + 5 * S * L;
    const index_t c0 = (blk0 + b) * L;
    for (int l = 0; l < int(std::min<index_t>(L, C - c0)); ++l) {
      const index_t c = c0 + l;
      for (index_t s = 0; s < S; ++s) {
        const T a0 = p.sos.get(c, 6 * s + 3);
        const int src[5] = {0, 1, 2, 4, 5};
        for (int k = 0; k < 5; ++k) cq[(5 * s + k) * L + l] = p.sos.get(c, 6 * s + src[k]) / a0;
        if (p.zi.data)
          for (int j = 0; j < 2; ++j) z[(2 * s + j) * L + l] = (&p.zi.at(c, j))[s * p.zi_s_section];
      }
    }
  }
  const index_t T_len = p.x.length;
  // Tiles at origin + k kTile: a single block of an output beyond the cache is streamed, its tiles
  // shifted so that they start aligned (the samples do the same arithmetic in any tiling).
  const index_t origin = nb == 1 ? stream_origin(p.x, p.y, blk0 * L) : 1;
  const bool stream = origin <= 0;
  const index_t start = stream ? origin : 0;
  // Backward filtering visits the tiles last to first and each tile's samples last to first, while
  // the tiles are still read and written in increasing memory order (the fast copies).
  const index_t tiles = (T_len - start + kTile - 1) / kTile;
  for (index_t k = 0; k < tiles; ++k) {
    const index_t begin = start + (Reverse ? tiles - 1 - k : k) * kTile;
    const index_t t0 = std::max<index_t>(begin, 0), len = std::min(begin + kTile, T_len) - t0;
    for (index_t b = 0; b < nb; ++b) {
      T* cq = scratch.data() + b * per_block;
      const index_t c0 = (blk0 + b) * L;
      const int lanes = int(std::min<index_t>(L, C - c0));
      gather_tile(p.x, c0, lanes, t0, len, buf);
      biquads<T, Reverse>(buf, len, cq, cq + 5 * S * L, S);
      scatter_tile(buf, c0, lanes, t0, len, p.y, stream && begin >= 0);
    }
  }
  if (stream) stream_fence();
  if (p.zf.data)
    for (index_t b = 0; b < nb; ++b) {
      const T* z = scratch.data() + b * per_block + 5 * S * L;
      const index_t c0 = (blk0 + b) * L;
      for (int l = 0; l < int(std::min<index_t>(L, C - c0)); ++l)
        for (index_t s = 0; s < S; ++s)
          for (int j = 0; j < 2; ++j) (&p.zf.at(c0 + l, j))[s * p.zf_s_section] = z[(2 * s + j) * L + l];
    }
}

}  // namespace detail

template <class T>
void sosfilt(const SosfiltArgs<T>& p) {
  const index_t blocks = lane_blocks<T>(p.x.channels());
  // Time-first data: one run of adjacent blocks per thread.  Otherwise one block per work item.
  // The grouping depends on the thread count, but only decides which blocks share a time loop: each
  // channel's arithmetic is the same in any grouping, so the result is bitwise the same.
  const bool rows = p.x.s_inner == 1 && p.x.inner > kLanes<T>;
  const index_t per_item = rows ? (blocks + max_threads() - 1) / max_threads() : 1;
  const index_t items = (blocks + per_item - 1) / per_item;
  parallel_for(items, [&](index_t i) {
    const index_t b0 = i * per_item, b1 = std::min(blocks, (i + 1) * per_item);
    if (p.reverse)
      detail::sosfilt_blocks<T, true>(p, b0, b1);
    else
      detail::sosfilt_blocks<T, false>(p, b0, b1);
  });
}

}  // namespace rnnlti
