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

// MC: M known at compile time (1..8), or 0 for a runtime M.
template <class T, Activation A, int MC>
void nonlinear_iir_block(const NonlinearIirArgs<T>& p, const Signals<const T>& x, const Signals<T>& h,
                         index_t c0, int lanes) {
  constexpr int L = kLanes<T>;
  const index_t M = MC > 0 ? MC : p.order;
  std::vector<T> storage(size_t((M + kTile) * L));
  T* buf = storage.data();  // rows [0, M): h history; rows [M, M + len): x in, h out
  load_initial_state(p.h0, c0, lanes, M, buf);
  const index_t T_len = x.length;
  for (index_t t0 = 0; t0 < T_len; t0 += kTile) {
    const index_t len = std::min(kTile, T_len - t0);
    gather_tile(x, c0, lanes, t0, len, buf + M * L);
    for (index_t t = 0; t < len; ++t) {
      T* row = buf + (M + t) * L;
      alignas(64) T xi[L];
      for (int l = 0; l < L; ++l) xi[l] = row[l];
      for (index_t m = 1; m <= M; ++m) {
        const T wm = p.w[m - 1];
        const T* past = row - m * L;
        for (int l = 0; l < L; ++l) xi[l] += wm * past[l];
      }
      for (int l = 0; l < L; ++l) row[l] = lane::activate<A>(xi[l]);
    }
    scatter_tile(buf + M * L, c0, lanes, t0, len, h);
    // The last M rows (h[t0+len-M .. t0+len)) become the history of the next tile.
    std::memmove(buf, buf + len * L, size_t(M * L) * sizeof(T));
  }
}

// One block of the backward pass.  dw_block[m] receives this block's sum over its lanes (in lane
// order) of sum_n dxi[n] h[n-m-1] (in reverse time order).
template <class T, Activation A, int MC>
void nonlinear_iir_backward_block(const NonlinearIirArgs<T>& p, const Signals<const T>& h,
                                  const Signals<const T>& dhp, const Signals<T>& dh, const Signals<T>& dxi,
                                  const Signals<T>& dh0, index_t c0, int lanes, T* dw_block) {
  constexpr int L = kLanes<T>;
  const index_t M = MC > 0 ? MC : p.order;
  // hb rows [0, M): h[t0-M .. t0) (from h or h0); rows [M, M+len): h[t0 .. t0+len).
  // gb rows [0, len): dh_partial in, dh out; db rows [0, len): dxi, rows [len, len+M): dxi of the
  // M samples after the tile (zero after the end of the signal).
  std::vector<T> storage(size_t((3 * kTile + 2 * M + M) * L), T(0));
  T* hb = storage.data();
  T* gb = hb + (M + kTile) * L;
  T* db = gb + kTile * L;
  T* acc = db + (kTile + M) * L;  // acc[(m-1)*L + l]: lane l's running dw[m-1]
  const index_t T_len = h.length;
  index_t prev_len = 0;  // the length of the tile processed before (later in time)
  for (index_t end = T_len; end > 0; end -= kTile) {
    const index_t t0 = std::max<index_t>(0, end - kTile);
    const index_t len = end - t0;
    // The future rows of this tile are the first M rows of the previous one (with its future).
    if (prev_len > 0) std::memmove(db + len * L, db, size_t(M * L) * sizeof(T));
    prev_len = len;
    // History rows: from h where t >= 0, else from h0 (or zero).
    const index_t from_h = std::min(M, t0);
    if (from_h < M) {
      load_initial_state(p.h0, c0, lanes, M, hb);
      // shift the initial state so that row M - t0 + j ... : rows [0, M - from_h) hold h0[from_h ..)
      if (from_h > 0) std::memmove(hb, hb + from_h * L, size_t((M - from_h) * L) * sizeof(T));
    }
    if (from_h > 0) gather_tile(h, c0, lanes, t0 - from_h, from_h, hb + (M - from_h) * L);
    gather_tile(h, c0, lanes, t0, len, hb + M * L);
    gather_tile(dhp, c0, lanes, t0, len, gb);
    for (index_t t = len - 1; t >= 0; --t) {
      T* g = gb + t * L;
      const T* hn = hb + (M + t) * L;
      T* d = db + t * L;
      for (index_t m = 1; m <= M; ++m) {
        const T wm = p.w[m - 1];
        const T* fut = d + m * L;
        for (int l = 0; l < L; ++l) g[l] += wm * fut[l];
      }
      for (int l = 0; l < L; ++l) d[l] = g[l] * derivative_from_output<A>(hn[l]);
      for (index_t m = 1; m <= M; ++m) {
        const T* past = hn - m * L;
        T* a = acc + (m - 1) * L;
        for (int l = 0; l < L; ++l) a[l] += d[l] * past[l];
      }
    }
    scatter_tile(gb, c0, lanes, t0, len, dh);
    scatter_tile(db, c0, lanes, t0, len, dxi);
  }
  if (dh0.data) {
    // dh0[j] = dL/dh[j-M] = sum_{m=M-j}^{M} w[m-1] dxi[j-M+m]  (db rows [0, M) hold dxi[0 .. M)).
    // When T < M, rows past the signal's end are zero already.
    for (int l = 0; l < lanes; ++l)
      for (index_t j = 0; j < M; ++j) {
        T s = T(0);
        for (index_t m = M - j; m <= M; ++m) {
          const index_t n = j - M + m;
          s += p.w[m - 1] * db[n * L + l];
        }
        dh0.at(c0 + l, j) = s;
      }
  }
  for (index_t m = 0; m < M; ++m) {
    T s = T(0);
    for (int l = 0; l < lanes; ++l) s += acc[m * L + l];
    dw_block[m] = s;
  }
}

template <class T, class F>
void dispatch_order(index_t order, F&& f) {
  switch (order) {
    case 1: return f(std::integral_constant<int, 1>{});
    case 2: return f(std::integral_constant<int, 2>{});
    case 3: return f(std::integral_constant<int, 3>{});
    case 4: return f(std::integral_constant<int, 4>{});
    case 5: return f(std::integral_constant<int, 5>{});
    case 6: return f(std::integral_constant<int, 6>{});
    case 7: return f(std::integral_constant<int, 7>{});
    case 8: return f(std::integral_constant<int, 8>{});
    default: return f(std::integral_constant<int, 0>{});
  }
}

}  // namespace detail

// h = nonlinear IIR of x (same outer/inner/length).
template <class T>
void nonlinear_iir(const NonlinearIirArgs<T>& p, const Signals<const T>& x, const Signals<T>& h) {
  constexpr int L = kLanes<T>;
  const index_t C = x.channels();
  dispatch_activation(p.activation, [&](auto tag) {
    constexpr Activation A = decltype(tag)::value;
    detail::dispatch_order<T>(p.order, [&](auto mtag) {
      constexpr int MC = decltype(mtag)::value;
      parallel_for(lane_blocks<T>(C), [&](index_t blk) {
        const index_t c0 = blk * L;
        detail::nonlinear_iir_block<T, A, MC>(p, x, h, c0, int(std::min<index_t>(L, C - c0)));
      });
    });
  });
}

// BPTT from the synchronous partials dhp: writes dh, dxi (= dx), dh0 (when dh0.data) and dw[0..M).
template <class T>
void nonlinear_iir_backward(const NonlinearIirArgs<T>& p, const Signals<const T>& h,
                            const Signals<const T>& dhp, const Signals<T>& dh, const Signals<T>& dxi,
                            const Signals<T>& dh0, T* dw) {
  constexpr int L = kLanes<T>;
  const index_t C = h.channels();
  const index_t M = p.order;
  const index_t blocks = lane_blocks<T>(C);
  std::vector<T> partial(size_t(blocks * M), T(0));
  dispatch_activation(p.activation, [&](auto tag) {
    constexpr Activation A = decltype(tag)::value;
    detail::dispatch_order<T>(M, [&](auto mtag) {
      constexpr int MC = decltype(mtag)::value;
      parallel_for(blocks, [&](index_t blk) {
        const index_t c0 = blk * L;
        detail::nonlinear_iir_backward_block<T, A, MC>(p, h, dhp, dh, dxi, dh0, c0,
                                                       int(std::min<index_t>(L, C - c0)),
                                                       partial.data() + blk * M);
      });
    });
  });
  // Blocks summed in block order: the same bits for any thread count.
  for (index_t m = 0; m < M; ++m) {
    T s = T(0);
    for (index_t blk = 0; blk < blocks; ++blk) s += partial[size_t(blk * M + m)];
    dw[m] = s;
  }
}

}  // namespace rnnlti
