// The chunked two-pass scan of lfilter for a few long channels (B = 1), where SIMD across channels
// has nothing to fill its lanes with.  One channel of length T is cut into chunks of kScanChunk
// samples (boundaries depend on T only, so the result is bitwise identical for any thread count):
//   pass 1: every chunk is filtered from a zero state, SIMD across chunks and threads; only its
//           final state s_c is kept;
//   carry:  the true state entering chunk c+1 is z_{c+1} = A^Lc z_c + s_c, where A^Lc (the
//           zero-input state transition over one chunk) is found by running the recurrence on unit
//           states; sequential over chunks, but only N x N work per chunk;
//   pass 2: every chunk is filtered again from its true initial state z_c, writing y.
// The samples after the last full chunk are filtered from z_nc on one lane.  Twice the arithmetic of
// the plain recurrence, but L lanes x threads wide instead of one latency-bound chain.
#pragma once

#include <vector>

namespace rnnlti {
namespace detail {

template <class T>
inline constexpr index_t kScanChunk = 2048;

// The scan pays off when the channels fill at most half of the lanes and there are enough chunks
// to fill the lanes of two threads.
template <class T>
inline bool use_scan(index_t channels, index_t length, int order) {
  return order > 0 && channels <= kLanes<T> / 2 && length >= 2 * kLanes<T> * kScanChunk<T>;
}

template <class T>
Coefs<T> one_channel(const Coefs<T>& c, index_t ch) {
  Coefs<T> v = c;
  v.data = c.channel(ch);
  v.outer = v.inner = 1;
  v.s_outer = v.s_inner = 0;
  return v;
}

// Channel ch of s, samples [t0, t0 + chunks * len), as `chunks` channels of `len` samples.
template <class S>
Signals<S> chunk_view(const Signals<S>& s, index_t ch, index_t t0, index_t chunks, index_t len) {
  Signals<S> v;
  v.data = s.channel(ch) + t0 * s.s_time;
  v.outer = 1;
  v.inner = chunks;
  v.length = len;
  v.s_outer = 0;
  v.s_inner = len * s.s_time;
  v.s_time = s.s_time;
  return v;
}

// `count` contiguous state vectors of n values each, as channels of length n.
template <class S>
Signals<S> state_view(S* data, index_t count, int n) {
  Signals<S> v;
  v.data = data;
  v.outer = 1;
  v.inner = count;
  v.length = n;
  v.s_outer = 0;
  v.s_inner = n;
  v.s_time = 1;
  return v;
}

// M (n x n, row-major, double) = the DF2T zero-input state transition over `steps` samples.
template <class T>
std::vector<double> state_transition(const Coefs<T>& a, int n, index_t steps) {
  std::vector<double> M(size_t(n) * n), z(n), an(n + 1, 0.0);
  const double a0 = double(a.get(0, 0));
  for (int k = 0; k <= n; ++k) an[k] = double(a.get(0, k)) / a0;
  for (int col = 0; col < n; ++col) {
    std::fill(z.begin(), z.end(), 0.0);
    z[col] = 1.0;
    for (index_t t = 0; t < steps; ++t) {
      const double y = z[0];
      for (int k = 0; k + 1 < n; ++k) z[k] = z[k + 1] - an[k + 1] * y;
      z[n - 1] = -an[n] * y;
    }
    for (int row = 0; row < n; ++row) M[size_t(row) * n + col] = z[row];
  }
  return M;
}

template <class T, int N>
void lfilter_scan_channel(const LfilterArgs<T>& p, index_t ch, int order) {
  constexpr int L = kLanes<T>;
  const index_t Lc = kScanChunk<T>, chunks = p.x.length / Lc, tail = p.x.length - chunks * Lc;
  const int n = order;
  const Coefs<T> b = one_channel(p.b, ch), a = one_channel(p.a, ch);
  const Signals<const T> xc = chunk_view(p.x, ch, 0, chunks, Lc);

  // Pass 1: final states of the chunks filtered from zero.
  std::vector<T> s(size_t(chunks) * n), z(size_t(chunks + 1) * n, T(0));
  const LfilterArgs<T> p1{b, a, xc, Signals<T>{}, Signals<const T>{}, state_view(s.data(), chunks, n)};
  parallel_for(lane_blocks<T>(chunks), [&](index_t blk) {
    lfilter_block<T, N>(p1, blk * L, int(std::min<index_t>(L, chunks - blk * L)), order);
  });

  // Carry: z_{c+1} = A^Lc z_c + s_c, in double.
  const std::vector<double> M = state_transition(a, n, Lc);
  std::vector<double> zc(n, 0.0), next(n);
  if (p.zi.data)
    for (int k = 0; k < n; ++k) zc[k] = double(p.zi.at(ch, k));
  for (int k = 0; k < n; ++k) z[k] = T(zc[k]);
  for (index_t c = 0; c < chunks; ++c) {
    for (int r = 0; r < n; ++r) {
      double acc = double(s[size_t(c) * n + r]);
      for (int k = 0; k < n; ++k) acc += M[size_t(r) * n + k] * zc[k];
      next[r] = acc;
    }
    zc.swap(next);
    for (int k = 0; k < n; ++k) z[size_t(c + 1) * n + k] = T(zc[k]);
  }

  // Pass 2: every chunk from its true initial state.
  const LfilterArgs<T> p2{b, a, xc, chunk_view(p.y, ch, 0, chunks, Lc), state_view<const T>(z.data(), chunks, n),
                          Signals<T>{}};
  parallel_for(lane_blocks<T>(chunks), [&](index_t blk) {
    lfilter_block<T, N>(p2, blk * L, int(std::min<index_t>(L, chunks - blk * L)), order);
  });

  // The tail after the last full chunk, and the final state.
  Signals<T> zf;
  if (p.zf.data) {
    zf = p.zf;
    zf.data = &p.zf.at(ch, 0);
    zf.outer = zf.inner = 1;
  }
  const LfilterArgs<T> p3{b, a, chunk_view(p.x, ch, chunks * Lc, 1, tail), chunk_view(p.y, ch, chunks * Lc, 1, tail),
                          state_view<const T>(z.data() + size_t(chunks) * n, 1, n), zf};
  lfilter_block<T, N>(p3, 0, 1, order);
}

}  // namespace detail
}  // namespace rnnlti
