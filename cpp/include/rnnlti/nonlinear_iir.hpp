// The lecture's nonlinear IIR filter (a scalar RNN) and its back-propagation through time:
//   forward   xi[n] = x[n] + sum_{m=1}^{M} w[m-1] h[n-m],   h[n] = g(xi[n])
//   BPTT      dh[n] = dh_partial[n] + sum_{m=1}^{M} dxi[n+m] w[m-1],   dxi[n] = dh[n] g'(xi[n])
//   weights   dw[m-1] = sum_n dxi[n] h[n-m]   (summed over every channel: w is shared)
// h[n] for n < 0 comes from h0 (time order: h0[j] = h[j-M]) or is zero.  Channels run kLanes at a
// time, one SIMD lane each; time is walked in tiles of kTile samples kept in lane-major buffers with
// M extra rows of history (forward) or of future (backward) next to the tile.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "common.hpp"
#include "lane_math.hpp"
#include "parallel.hpp"
#include "simd.hpp"
#include "tile.hpp"

namespace rnnlti {

template <class T>
struct NonlinearIirArgs {
  const T* w = nullptr;  // feedback weights w[0..M-1], shared by every channel
  index_t order = 0;     // M >= 1
  Activation activation = Activation::Tanh;
  Signals<const T> h0;  // (channels, M) initial state in time order; data == nullptr for zeros
};

namespace detail {

// Rows [0, M) of `buf` := h[t-M .. t) for t = 0: h0 or zeros.
template <class T>
void load_initial_state(const Signals<const T>& h0, index_t c0, int lanes, index_t M, T* buf) {
  constexpr int L = kLanes<T>;
  std::fill(buf, buf + M * L, T(0));
  if (h0.data)
    for (int l = 0; l < lanes; ++l)
      for (index_t j = 0; j < M; ++j) buf[j * L + l] = h0.at(c0 + l, j);
}

// A group of G lane blocks (sub-blocks of L channels) walked through time together: the sub-blocks'
// recurrences are independent, so the CPU overlaps their latency chains (the activation's exp and
// division) instead of waiting on one.  Each sub-block's arithmetic is the same whatever G is.
template <class T, int G>
struct Group {
  static constexpr int L = kLanes<T>;
  index_t c0[G];
  int lanes[G];
  Group(index_t first_block, index_t channels) {
    for (int g = 0; g < G; ++g) {
      c0[g] = (first_block + g) * L;
      lanes[g] = int(std::min<index_t>(L, channels - c0[g]));
    }
  }
};

// MC: M known at compile time (1, 2, 3, 4 or 8: see dispatch_order), or 0 for a runtime M.
template <class T, Activation A, int MC, int G>
void nonlinear_iir_group(const NonlinearIirArgs<T>& p, const Signals<const T>& x, const Signals<T>& h,
                         const Group<T, G>& grp) {
  constexpr int L = kLanes<T>;
  const index_t M = MC > 0 ? MC : p.order;
  const index_t tile = kTile / G;  // the G buffers together stay the size of one kTile buffer (L1)
  const index_t rows = M + tile;
  std::vector<T> storage(size_t(G * rows * L));
  constexpr int kW = MC > 0 ? MC : 1;
  Vec<T> wv_fixed[kW];
  std::vector<Vec<T>> wv_dyn(MC > 0 ? 0 : size_t(M));
  Vec<T>* wv = MC > 0 ? wv_fixed : wv_dyn.data();
  for (index_t m = 0; m < M; ++m) wv[m] = vsplat<T>(p.w[m]);
  // Per sub-block: rows [0, M): h history; rows [M, M + len): x in, h out.
  for (int g = 0; g < G; ++g) load_initial_state(p.h0, grp.c0[g], grp.lanes[g], M, storage.data() + g * rows * L);
  const index_t T_len = x.length;
  for (index_t t0 = 0; t0 < T_len; t0 += tile) {
    const index_t len = std::min(tile, T_len - t0);
    for (int g = 0; g < G; ++g) gather_tile(x, grp.c0[g], grp.lanes[g], t0, len, storage.data() + (g * rows + M) * L);
    for (index_t t = 0; t < len; ++t) {
      for (int g = 0; g < G; ++g) {
        T* row = storage.data() + (g * rows + M + t) * L;
        Vec<T> acc = vload(row);  // in a register: the M terms as whole vectors, w splatted once
        for (index_t m = M; m >= 1; --m)  // h[n-1] enters last: a short loop-carried chain
          acc += wv[m - 1] * vload(row - m * L);
        alignas(64) T xi[L];
        vstore(xi, acc);
        for (int l = 0; l < L; ++l) xi[l] = lane::activate<A>(xi[l]);
        vstore(row, vload(xi));
      }
    }
    for (int g = 0; g < G; ++g) {
      T* buf = storage.data() + g * rows * L;
      scatter_tile(buf + M * L, grp.c0[g], grp.lanes[g], t0, len, h);
      // The last M rows (h[t0+len-M .. t0+len)) become the history of the next tile.
      std::memmove(buf, buf + len * L, size_t(M * L) * sizeof(T));
    }
  }
}

// One group of the backward pass.  dw_blocks[g*M + m] receives sub-block g's sum over its lanes (in
// lane order) of sum_n dxi[n] h[n-m-1] (in reverse time order).
template <class T, Activation A, int MC, int G>
void nonlinear_iir_backward_group(const NonlinearIirArgs<T>& p, const Signals<const T>& h,
                                  const Signals<const T>& dhp, const Signals<T>& dh, const Signals<T>& dxi,
                                  const Signals<T>& dh0, const Group<T, G>& grp, T* dw_blocks) {
  constexpr int L = kLanes<T>;
  const index_t M = MC > 0 ? MC : p.order;
  // Per sub-block: hb rows [0, M): h[t0-M .. t0) (from h or h0); rows [M, M+len): h[t0 .. t0+len).
  // gb rows [0, len): dh_partial in, dh out; db rows [0, len): dxi, rows [len, len+M): dxi of the
  // M samples after the tile (zero after the end of the signal); acc: lane l's running dw[m-1].
  const index_t tile = kTile;  // (measured: shorter tiles here cost more in per-tile overhead than they save)
  const index_t stride = 3 * tile + 3 * M;
  std::vector<T> storage(size_t(G * stride * L), T(0));
  constexpr int kW = MC > 0 ? MC : 1;
  Vec<T> wv_fixed[kW];
  std::vector<Vec<T>> wv_dyn(MC > 0 ? 0 : size_t(M));
  Vec<T>* wv = MC > 0 ? wv_fixed : wv_dyn.data();
  for (index_t m = 0; m < M; ++m) wv[m] = vsplat<T>(p.w[m]);
  auto hb = [&](int g) { return storage.data() + g * stride * L; };
  auto gb = [&](int g) { return hb(g) + (M + tile) * L; };
  auto db = [&](int g) { return gb(g) + tile * L; };
  auto acc = [&](int g) { return db(g) + (tile + M) * L; };
  const index_t T_len = h.length;
  bool first = true;
  for (index_t end = T_len; end > 0; end -= tile) {
    const index_t t0 = std::max<index_t>(0, end - tile);
    const index_t len = end - t0;
    const index_t from_h = std::min(M, t0);
    for (int g = 0; g < G; ++g) {
      const index_t c0 = grp.c0[g];
      const int lanes = grp.lanes[g];
      // The future rows of this tile are the first M rows of the previous one (with its future).
      if (!first) std::memmove(db(g) + len * L, db(g), size_t(M * L) * sizeof(T));
      // History rows: from h where t >= 0, else from h0 (or zero).
      if (from_h < M) {
        load_initial_state(p.h0, c0, lanes, M, hb(g));
        // rows [0, M - t0) are h0[t0 ..): shift the initial state down by t0 = from_h rows
        if (from_h > 0) std::memmove(hb(g), hb(g) + from_h * L, size_t((M - from_h) * L) * sizeof(T));
      }
      if (from_h > 0) gather_tile(h, c0, lanes, t0 - from_h, from_h, hb(g) + (M - from_h) * L);
      gather_tile(h, c0, lanes, t0, len, hb(g) + M * L);
      gather_tile(dhp, c0, lanes, t0, len, gb(g));
    }
    first = false;
    for (index_t t = len - 1; t >= 0; --t) {
      for (int g = 0; g < G; ++g) {
        T* gr = gb(g) + t * L;
        const T* hn = hb(g) + (M + t) * L;
        T* d = db(g) + t * L;
        // The signal's last M samples have no dxi past the end: those terms are left out (not 0 * w,
        // NaN for w = inf).  dxi[n+1] enters last.
        const index_t mmax = (end < T_len || t + M < len) ? M : len - 1 - t;
        Vec<T> acc = vload(gr);
        if (mmax == M)
          for (index_t m = M; m >= 1; --m) acc += wv[m - 1] * vload(d + m * L);
        else
          for (index_t m = mmax; m >= 1; --m) acc += wv[m - 1] * vload(d + m * L);
        alignas(64) T slope[L];  // g'(xi[n]) from h[n], in a local array so that the loop vectorises
        for (int l = 0; l < L; ++l) slope[l] = derivative_from_output<A>(hn[l]);
        vstore(gr, acc);
        vstore(d, acc * vload(slope));
      }
    }
    // dw[m-1] += sum_t dxi[t] h[t-m] over the tile, off the recursion's critical path; four partial
    // sums over t (a fixed order) for throughput.
    for (int g = 0; g < G; ++g) {
      const T* d = db(g);
      const T* hn = hb(g) + M * L;
      T* a = acc(g);
      for (index_t m = 1; m <= M; ++m) {
        alignas(64) T s[4][L] = {};
        index_t u = 0;
        for (; u + 4 <= len; u += 4)
          for (int r = 0; r < 4; ++r)
            for (int l = 0; l < L; ++l) s[r][l] += d[(u + r) * L + l] * hn[(u + r - m) * L + l];
        for (; u < len; ++u)
          for (int l = 0; l < L; ++l) s[0][l] += d[u * L + l] * hn[(u - m) * L + l];
        for (int l = 0; l < L; ++l) a[(m - 1) * L + l] += (s[0][l] + s[1][l]) + (s[2][l] + s[3][l]);
      }
    }
    for (int g = 0; g < G; ++g) {
      scatter_tile(gb(g), grp.c0[g], grp.lanes[g], t0, len, dh);
      scatter_tile(db(g), grp.c0[g], grp.lanes[g], t0, len, dxi);
    }
  }
  for (int g = 0; g < G; ++g) {
    const T* dbg = db(g);
    if (dh0.data) {
      // dh0[j] = dL/dh[j-M] = sum_{m=M-j}^{M} w[m-1] dxi[j-M+m]  (db rows [0, M) hold dxi[0 .. M)).
      // When T < M, the terms past the signal's end are left out (not 0 * w).
      for (int l = 0; l < grp.lanes[g]; ++l)
        for (index_t j = 0; j < M; ++j) {
          T s = T(0);
          for (index_t m = M - j; m <= M && j - M + m < T_len; ++m) s += p.w[m - 1] * dbg[(j - M + m) * L + l];
          dh0.at(grp.c0[g] + l, j) = s;
        }
    }
    const T* a = acc(g);
    for (index_t m = 0; m < M; ++m) {
      T s = T(0);
      for (int l = 0; l < grp.lanes[g]; ++l) s += a[m * L + l];
      dw_blocks[g * M + m] = s;
    }
  }
}

// Sub-blocks interleaved per thread: as many as keep every thread busy, at most 4.  The grouping
// never changes any sub-block's arithmetic, so results do not depend on it (or on the threads).
inline int group_size(index_t blocks) {
  const index_t per_thread = blocks / std::max(1, max_threads());
  return per_thread >= 4 ? 4 : per_thread >= 2 ? 2 : 1;
}

// Calls f(first_block, std::integral_constant<int, G>) over the sub-blocks in groups of G (the
// last group made of smaller ones), in parallel.
template <class F>
void for_each_group(index_t blocks, F&& f) {
  const int G = group_size(blocks);
  parallel_for((blocks + G - 1) / G, [&](index_t grp) {
    index_t b = grp * G;
    const index_t stop = std::min(blocks, b + G);
    for (; b + 4 <= stop; b += 4) f(b, std::integral_constant<int, 4>{});
    for (; b + 2 <= stop; b += 2) f(b, std::integral_constant<int, 2>{});
    for (; b < stop; ++b) f(b, std::integral_constant<int, 1>{});
  });
}

// Orders with their own compiled kernel (the loops over m unrolled); any other M runs the generic one.
template <class T, class F>
void dispatch_order(index_t order, F&& f) {
  switch (order) {
    case 1: return f(std::integral_constant<int, 1>{});
    case 2: return f(std::integral_constant<int, 2>{});
    case 3: return f(std::integral_constant<int, 3>{});
    case 4: return f(std::integral_constant<int, 4>{});
    case 8: return f(std::integral_constant<int, 8>{});
    default: return f(std::integral_constant<int, 0>{});
  }
}

}  // namespace detail

// h = nonlinear IIR of x (same outer/inner/length).
template <class T>
void nonlinear_iir(const NonlinearIirArgs<T>& p, const Signals<const T>& x, const Signals<T>& h) {
  const index_t C = x.channels();
  dispatch_activation(p.activation, [&](auto tag) {
    constexpr Activation A = decltype(tag)::value;
    detail::dispatch_order<T>(p.order, [&](auto mtag) {
      constexpr int MC = decltype(mtag)::value;
      detail::for_each_group(lane_blocks<T>(C), [&](index_t b, auto gtag) {
        constexpr int G = decltype(gtag)::value;
        detail::nonlinear_iir_group<T, A, MC, G>(p, x, h, detail::Group<T, G>(b, C));
      });
    });
  });
}

// BPTT from the synchronous partials dhp: writes dh, dxi (= dx), dh0 (when dh0.data) and dw[0..M).
template <class T>
void nonlinear_iir_backward(const NonlinearIirArgs<T>& p, const Signals<const T>& h,
                            const Signals<const T>& dhp, const Signals<T>& dh, const Signals<T>& dxi,
                            const Signals<T>& dh0, T* dw) {
  const index_t C = h.channels();
  const index_t M = p.order;
  const index_t blocks = lane_blocks<T>(C);
  std::vector<T> partial(size_t(blocks * M), T(0));
  dispatch_activation(p.activation, [&](auto tag) {
    constexpr Activation A = decltype(tag)::value;
    detail::dispatch_order<T>(M, [&](auto mtag) {
      constexpr int MC = decltype(mtag)::value;
      detail::for_each_group(blocks, [&](index_t b, auto gtag) {
        constexpr int G = decltype(gtag)::value;
        detail::nonlinear_iir_backward_group<T, A, MC, G>(p, h, dhp, dh, dxi, dh0, detail::Group<T, G>(b, C),
                                                          partial.data() + b * M);
      });
    });
  });
  // Sub-blocks summed in order: the same bits for any thread count and grouping.
  sum_blocks_in_order(partial.data(), blocks, M, dw);
}

}  // namespace rnnlti
