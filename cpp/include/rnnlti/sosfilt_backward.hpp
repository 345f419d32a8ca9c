// The vector-Jacobian product of the biquad cascade (sosfilt.hpp).  Section s maps its input u to
//   y[n] = b0 u[n] + b1 u[n-1] + b2 u[n-2] - a1 y[n-1] - a2 y[n-2]   (+ zi[n] for n < 2),
// so with g = dL/dy (the partial derivative from downstream), the total derivative
//   lam[n] = dL/dy[n] = g[n] - a1 lam[n+1] - a2 lam[n+2]          (the same IIR filter, run backward)
// gives  dL/du[m] = b0 lam[m] + b1 lam[m+1] + b2 lam[m+2]           (the g of section s - 1),
//        dL/db_k = sum_n lam[n] u[n-k],  dL/da_k = -sum_n lam[n] y[n-k] (k = 0 .. 2, a0 included),
//        dL/dzi[k] = lam[k].
// The intermediate signals are not stored: a forward pass saves, per time tile, the sections' states
// and the last two samples of every intermediate signal (a checkpoint); the backward pass visits the
// tiles last to first, recomputes each tile's intermediates from its checkpoint, and runs the
// adjoint recurrences through it, section by section, with kLanes channels in SIMD lanes.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "common.hpp"
#include "parallel.hpp"
#include "sosfilt.hpp"
#include "tile.hpp"

namespace rnnlti {

template <class T>
struct SosfiltBackwardArgs {
  Coefs<T> sos;          // per channel: 6 * sections coefficients (a0 == 1)
  Signals<const T> x;    // the forward input
  Signals<const T> dy;   // dL/dy of the cascade's output
  Signals<T> dx;         // dL/dx, written
  Signals<const T> zi;   // initial states as in SosfiltArgs; data == nullptr for zero
  Signals<T> dzi;        // dL/dzi, written when data != nullptr
  index_t zi_s_section = 0, dzi_s_section = 0;
  index_t sections = 0;
  T* dsos = nullptr;     // per channel c: dsos[(c * sections + s) * 6 + k], written
};

namespace detail {

template <class T>
void sosfilt_backward_block(const SosfiltBackwardArgs<T>& p, index_t c0, int lanes) {
  constexpr int L = kLanes<T>;
  using V = typename Lanes<T>::type;
  const index_t S = p.sections, T_len = p.x.length;
  const index_t tiles = (T_len + kTile - 1) / kTile;
  const index_t rows = kTile + 2;  // two rows of history (t0 - 2, t0 - 1) before each tile
  // Checkpoint of a tile: the sections' states (2 S rows) and the history rows of the S + 1 signals
  // x, y_0, ..., y_{S-1} (2 (S + 1) rows).
  const index_t ck = 2 * S + 2 * (S + 1);
  std::vector<T> mem(size_t(L * (7 * S + tiles * ck + (S + 1) * rows + kTile + 2 * S)), T(0));
  T* cq = mem.data();             // 5 S rows: b0 b1 b2 a1 a2 per section (as sosfilt.hpp)
  T* z = cq + 5 * S * L;          // 2 S rows
  T* ckpt = z + 2 * S * L;        // tiles * ck rows
  T* rec = ckpt + tiles * ck * L; // S + 1 signals of `rows` rows each
  T* g = rec + (S + 1) * rows * L;  // kTile rows
  T* lam = g + kTile * L;         // 2 S rows: lam[n+1], lam[n+2] of each section
  std::vector<double> acc(size_t(6 * S * L), 0.0);
  for (int l = 0; l < lanes; ++l) {
    const index_t c = c0 + l;
    for (index_t s = 0; s < S; ++s) {
      const int src[5] = {0, 1, 2, 4, 5};
      for (int k = 0; k < 5; ++k) cq[(5 * s + k) * L + l] = p.sos.get(c, 6 * s + src[k]) / p.sos.get(c, 6 * s + 3);
      if (p.zi.data)
        for (int j = 0; j < 2; ++j) z[(2 * s + j) * L + l] = (&p.zi.at(c, j))[s * p.zi_s_section];
    }
  }
  auto signal = [&](index_t j) { return rec + j * rows * L; };  // row 0: t0 - 2, row 2 + n: t0 + n
  // Fills signals 1 .. S of a tile from signal 0 (x) and the states z, section by section.
  auto recompute = [&](index_t len) {
    for (index_t s = 0; s < S; ++s) {
      V b0, b1, b2, a1, a2, z0, z1;
      std::memcpy(&b0, cq + (5 * s + 0) * L, sizeof(V));
      std::memcpy(&b1, cq + (5 * s + 1) * L, sizeof(V));
      std::memcpy(&b2, cq + (5 * s + 2) * L, sizeof(V));
      std::memcpy(&a1, cq + (5 * s + 3) * L, sizeof(V));
      std::memcpy(&a2, cq + (5 * s + 4) * L, sizeof(V));
      std::memcpy(&z0, z + (2 * s) * L, sizeof(V));
      std::memcpy(&z1, z + (2 * s + 1) * L, sizeof(V));
      const T* in = signal(s) + 2 * L;
      T* out = signal(s + 1) + 2 * L;
      for (index_t n = 0; n < len; ++n) {
        V u, y;
        std::memcpy(&u, in + n * L, sizeof(V));
        y = b0 * u + z0;  // the same expressions as sosfilt.hpp: the same intermediates
        z0 = (b1 * u + z1) - a1 * y;
        z1 = b2 * u - a2 * y;
        std::memcpy(out + n * L, &y, sizeof(V));
      }
      std::memcpy(z + (2 * s) * L, &z0, sizeof(V));
      std::memcpy(z + (2 * s + 1) * L, &z1, sizeof(V));
    }
  };
  // Forward: checkpoint every tile, then advance the states and the history through it.
  for (index_t k = 0; k < tiles; ++k) {
    const index_t t0 = k * kTile, len = std::min(kTile, T_len - t0);
    T* c = ckpt + k * ck * L;
    std::memcpy(c, z, sizeof(T) * 2 * S * L);
    for (index_t j = 0; j <= S; ++j) std::memcpy(c + (2 * S + 2 * j) * L, signal(j), sizeof(T) * 2 * L);
    gather_tile(p.x, c0, lanes, t0, len, signal(0) + 2 * L);
    recompute(len);
    for (index_t j = 0; j <= S; ++j) std::memmove(signal(j), signal(j) + len * L, sizeof(T) * 2 * L);
  }
  // Backward, tiles last to first.
  for (index_t k = tiles - 1; k >= 0; --k) {
    const index_t t0 = k * kTile, len = std::min(kTile, T_len - t0);
    const T* c = ckpt + k * ck * L;
    std::memcpy(z, c, sizeof(T) * 2 * S * L);
    for (index_t j = 0; j <= S; ++j) std::memcpy(signal(j), c + (2 * S + 2 * j) * L, sizeof(T) * 2 * L);
    gather_tile(p.x, c0, lanes, t0, len, signal(0) + 2 * L);
    recompute(len);
    gather_tile(p.dy, c0, lanes, t0, len, g);
    for (index_t s = S - 1; s >= 0; --s) {
      V b0, b1, b2, a1, a2, l1, l2;
      std::memcpy(&b0, cq + (5 * s + 0) * L, sizeof(V));
      std::memcpy(&b1, cq + (5 * s + 1) * L, sizeof(V));
      std::memcpy(&b2, cq + (5 * s + 2) * L, sizeof(V));
      std::memcpy(&a1, cq + (5 * s + 3) * L, sizeof(V));
      std::memcpy(&a2, cq + (5 * s + 4) * L, sizeof(V));
      std::memcpy(&l1, lam + (2 * s) * L, sizeof(V));
      std::memcpy(&l2, lam + (2 * s + 1) * L, sizeof(V));
      const T* u = signal(s);
      const T* y = signal(s + 1);
      V sum[6] = {};
      // Samples 0 and 1 of the signal have no u/y at n - 1 (n - 2), and the last two no adjoint at
      // n + 1 (n + 2): those terms are not in the sums at all, rather than products with zeros
      // (0 * inf would be NaN).
      const index_t first = (t0 == 0) ? std::min<index_t>(2, len) : 0;
      const index_t tail = (t0 + len == T_len) ? std::min<index_t>(2, len) : 0;
      auto step = [&](index_t n, bool has1, bool has2, bool next1, bool next2) {
        V gn, u0, u1, u2, y0, y1, y2;
        std::memcpy(&gn, g + n * L, sizeof(V));
        std::memcpy(&u0, u + (n + 2) * L, sizeof(V));
        std::memcpy(&u1, u + (n + 1) * L, sizeof(V));
        std::memcpy(&u2, u + n * L, sizeof(V));
        std::memcpy(&y0, y + (n + 2) * L, sizeof(V));
        std::memcpy(&y1, y + (n + 1) * L, sizeof(V));
        std::memcpy(&y2, y + n * L, sizeof(V));
        V ln = gn;
        if (next1) ln = ln - a1 * l1;
        if (next2) ln = ln - a2 * l2;
        V du = b0 * ln;
        if (next1) du = du + b1 * l1;
        if (next2) du = du + b2 * l2;
        sum[0] += ln * u0;
        if (has1) sum[1] += ln * u1;
        if (has2) sum[2] += ln * u2;
        sum[3] -= ln * y0;
        if (has1) sum[4] -= ln * y1;
        if (has2) sum[5] -= ln * y2;
        l2 = l1;
        l1 = ln;
        std::memcpy(g + n * L, &du, sizeof(V));
      };
      auto edge = [&](index_t n) {
        step(n, t0 + n >= 1, t0 + n >= 2, t0 + n + 1 < T_len, t0 + n + 2 < T_len);
      };
      index_t n = len - 1;
      for (; n >= 0 && n >= len - tail; --n) edge(n);
      for (; n >= first; --n) step(n, true, true, true, true);
      for (; n >= 0; --n) edge(n);
      std::memcpy(lam + (2 * s) * L, &l1, sizeof(V));
      std::memcpy(lam + (2 * s + 1) * L, &l2, sizeof(V));
      // Per-tile partial sums (at most kTile terms) accumulate in double, in a fixed order.
      for (int k6 = 0; k6 < 6; ++k6)
        for (int l = 0; l < L; ++l) acc[(6 * s + k6) * L + l] += double(sum[k6][l]);
    }
    scatter_tile(g, c0, lanes, t0, len, p.dx);
  }
  for (int l = 0; l < lanes; ++l) {
    const index_t c = c0 + l;
    for (index_t s = 0; s < S; ++s) {
      for (int k6 = 0; k6 < 6; ++k6) p.dsos[(c * S + s) * 6 + k6] = T(acc[(6 * s + k6) * L + l]);
      if (p.dzi.data)
        for (int j = 0; j < 2; ++j) (&p.dzi.at(c, j))[s * p.dzi_s_section] = lam[(2 * s + j) * L + l];
    }
  }
}

}  // namespace detail

template <class T>
void sosfilt_backward(const SosfiltBackwardArgs<T>& p) {
  constexpr int L = kLanes<T>;
  const index_t C = p.x.channels();
  parallel_for(lane_blocks<T>(C), [&](index_t blk) {
    const index_t c0 = blk * L;
    detail::sosfilt_backward_block<T>(p, c0, int(std::min<index_t>(L, C - c0)));
  });
}

}  // namespace rnnlti
