// FIR filtering by FFT overlap-save, for many taps.  Each job computes M <= N - K + 1 outputs of one
// channel from N input samples (the K - 1 before them included) as IFFT(FFT(x) * FFT(h)), dropping
// the first K - 1 (wrapped-around) outputs.  The FFTs run on lane-major buffers, one SIMD lane per
// job, and with a real filter two jobs share one complex FFT: lane l carries output blocks 2s
// (real part) and 2s + 1 (imaginary part) of the same channel, since conv(a + i b, h) = conv(a, h) +
// i conv(b, h) for real h.  Jobs are spread over the threads in groups whose boundaries depend on the
// sizes only.  The FFT is a plain radix-2 one: decimation in frequency forward (bit-reversed output),
// the pointwise product in that order, decimation in time inverse (natural output): no reordering.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "common.hpp"
#include "parallel.hpp"
#include "simd.hpp"

namespace rnnlti {
namespace detail {

// The FFT path is taken from this many taps on, for signals long enough to fill a block: the
// crossover measured with `bench/micro 5 crossover` (one thread of an AVX-512 Zen 5 core,
// B = 64 x T = 100,000, CPU ms direct vs FFT): float64 128 taps 16.1 vs 20.0, 192 taps 24.5 vs 20.7;
// float32 192 taps 12.3 vs 13.3, 256 taps 16.7 vs 14.3.
template <class T>
inline constexpr index_t kFftMinTaps = sizeof(T) == 8 ? 160 : 224;

// FFT length for K taps: about 8 K (fewest operations per output), at most 4096 (the buffers of a
// group stay in L2) unless the taps need more.
inline index_t fft_size(index_t K) {
  index_t n = 64;
  while (n < 8 * K && n < 4096) n *= 2;
  while (n < 2 * K) n *= 2;
  return n;
}

template <class T>
inline bool use_fft(index_t K, index_t length) {
  return K >= kFftMinTaps<T> && length >= 4 * K;
}

template <class T>
struct Twiddles {
  std::vector<T> re, im;  // exp(-2 pi i k / N), k < N / 2
  explicit Twiddles(index_t N) : re(size_t(N / 2)), im(size_t(N / 2)) {
    const double pi = 3.14159265358979323846;
    for (index_t k = 0; k < N / 2; ++k) {
      re[k] = T(std::cos(2 * pi * double(k) / double(N)));
      im[k] = T(-std::sin(2 * pi * double(k) / double(N)));
    }
  }
};

// One radix-2 stage over butterflies of length len (span = N / len twiddle stride) on a block of n.
template <class T, bool Forward>
__attribute__((always_inline)) inline void fft_stage(T* re, T* im, index_t n, index_t len, index_t step,
                                                     const Twiddles<T>& tw) {
  using V = Vec<T>;
  constexpr int L = kLanes<T>;
  const index_t half = len / 2;
  for (index_t start = 0; start < n; start += len)
    for (index_t k = 0; k < half; ++k) {
      T* ar = re + (start + k) * L;
      T* ai = im + (start + k) * L;
      T* br = ar + half * L;
      T* bi = ai + half * L;
      const V wr = vsplat(tw.re[k * step]);
      const V wi = Forward ? vsplat(tw.im[k * step]) : -vsplat(tw.im[k * step]);
      const V xr = vload(ar), xi = vload(ai);
      if (Forward) {  // decimation in frequency: (x + y, (x - y) w)
        const V yr = vload(br), yi = vload(bi);
        vstore(ar, xr + yr);
        vstore(ai, xi + yi);
        const V dr = xr - yr, di = xi - yi;
        vstore(br, dr * wr - di * wi);
        vstore(bi, dr * wi + di * wr);
      } else {  // decimation in time: (x + y w, x - y w), w conjugated
        const V yr0 = vload(br), yi0 = vload(bi);
        const V yr = yr0 * wr - yi0 * wi, yi = yr0 * wi + yi0 * wr;
        vstore(ar, xr + yr);
        vstore(ai, xi + yi);
        vstore(br, xr - yr);
        vstore(bi, xi - yi);
      }
    }
}

// Sub-FFTs at most this long run all their stages while in L1 (re + im of L lanes: 32 KiB).
template <class T>
inline constexpr index_t kFftL1 = 32768 / (2 * 64);

// In-place forward FFT of a block of n (of a length-N transform) of L lane-interleaved complex
// sequences (re[t * L + l], im[t * L + l]), output in bit-reversed order.  Depth first, so that
// the small sub-transforms stay in L1.
template <class T>
void fft_dif(T* re, T* im, index_t n, index_t N, const Twiddles<T>& tw) {
  constexpr int L = kLanes<T>;
  if (n <= kFftL1<T>) {
    for (index_t len = n; len >= 2; len /= 2) fft_stage<T, true>(re, im, n, len, N / len, tw);
    return;
  }
  fft_stage<T, true>(re, im, n, n, N / n, tw);
  fft_dif(re, im, n / 2, N, tw);
  fft_dif(re + n / 2 * L, im + n / 2 * L, n / 2, N, tw);
}

// In-place inverse FFT (without the 1/N) of bit-reversed input, natural-order output.
template <class T>
void ifft_dit(T* re, T* im, index_t n, index_t N, const Twiddles<T>& tw) {
  constexpr int L = kLanes<T>;
  if (n <= kFftL1<T>) {
    for (index_t len = 2; len <= n; len *= 2) fft_stage<T, false>(re, im, n, len, N / len, tw);
    return;
  }
  ifft_dit(re, im, n / 2, N, tw);
  ifft_dit(re + n / 2 * L, im + n / 2 * L, n / 2, N, tw);
  fft_stage<T, false>(re, im, n, n, N / n, tw);
}

template <class T, class ArgsT>
void fir_fft(const ArgsT& p) {
  using V = Vec<T>;
  constexpr int L = kLanes<T>;
  const index_t C = p.x.channels(), T_len = p.x.length, K = p.h.size;
  const index_t N = fft_size(K);
  const index_t M = (N - K + 1) / L * L;  // outputs per block; a multiple of L for the transposes
  const index_t blocks = (T_len + M - 1) / M, pairs_per_channel = (blocks + 1) / 2;
  const index_t jobs = C * pairs_per_channel;  // job = (channel, pair of blocks), pair-major
  const index_t groups = (jobs + L - 1) / L;
  const Twiddles<T> tw(N);
  const bool shared = p.h.shared();

  // Spectrum of the taps, scaled by 1/N (the inverse FFT's factor), lane-major like the data.
  auto spectrum = [&](index_t first_job, T* hr, T* hi) {
    std::fill(hr, hr + N * L, T(0));
    std::fill(hi, hi + N * L, T(0));
    for (int l = 0; l < L; ++l) {
      const index_t c = shared ? 0 : std::min(first_job + l, jobs - 1) % C;
      for (index_t m = 0; m < K; ++m) hr[m * L + l] = p.h.get(c, m) / T(N);
    }
    fft_dif(hr, hi, N, N, tw);
  };
  std::vector<T> shared_h(shared ? size_t(2 * N * L) : 0);
  if (shared) spectrum(0, shared_h.data(), shared_h.data() + N * L);

  parallel_for(groups, [&](index_t g) {
    std::vector<T> buf(size_t((shared ? 2 : 4) * N * L));
    T* re = buf.data();
    T* im = re + N * L;
    const T* hr = shared_h.data();
    const T* hi = hr + N * L;
    if (!shared) {
      spectrum(g * L, re + 2 * N * L, im + 2 * N * L);
      hr = re + 2 * N * L;
      hi = im + 2 * N * L;
    }
    std::fill(re, re + 2 * N * L, T(0));  // the zeros before and after the signal
    // Gather: lane l, part q (0 real, 1 imaginary) holds x[s M - (K - 1) + t], t < N, s = 2 pair + q.
    // Where all L lanes read whole time-contiguous segments, by L x L in-register transposes.
    const bool full = (g + 1) * L <= jobs;
    for (int q = 0; q < 2; ++q) {
      T* part = q == 0 ? re : im;
      const T* rows[L];
      bool fast = full && p.x.s_time == 1;
      for (int l = 0; l < L && fast; ++l) {
        const index_t job = g * L + l, c = job % C, s = 2 * (job / C) + q;
        const index_t first = s * M - (K - 1);
        fast = first >= 0 && first + N <= T_len;
        rows[l] = p.x.channel(c) + first;
      }
      if (fast) {
        for (index_t t = 0; t < N; t += L) transpose_in(rows, t, part + t * L);
        continue;
      }
      for (int l = 0; l < L; ++l) {
        const index_t job = g * L + l;
        if (job >= jobs) break;
        const index_t c = job % C, s = 2 * (job / C) + q;
        if (s >= blocks) continue;
        const T* xc = p.x.channel(c);
        const index_t st = p.x.s_time, first = s * M - (K - 1);
        const index_t t_lo = std::max<index_t>(0, -first), t_hi = std::min<index_t>(N, T_len - first);
        for (index_t t = t_lo; t < t_hi; ++t) part[t * L + l] = xc[(first + t) * st];
      }
    }
    fft_dif(re, im, N, N, tw);
    for (index_t t = 0; t < N; ++t) {
      const V xr = vload(re + t * L), xi = vload(im + t * L), wr = vload(hr + t * L), wi = vload(hi + t * L);
      vstore(re + t * L, xr * wr - xi * wi);
      vstore(im + t * L, xr * wi + xi * wr);
    }
    ifft_dit(re, im, N, N, tw);
    // Scatter the valid outputs: t in [K - 1, N) is y[s M + t - (K - 1)].
    for (int q = 0; q < 2; ++q) {
      const T* part = q == 0 ? re : im;
      T* rows[L];
      bool fast = full && p.y.s_time == 1;
      for (int l = 0; l < L && fast; ++l) {
        const index_t job = g * L + l, c = job % C, s = 2 * (job / C) + q;
        fast = (s + 1) * M <= T_len;
        rows[l] = p.y.channel(c) + s * M;
      }
      if (fast) {
        for (index_t i = 0; i < M; i += L) transpose_out(part + (K - 1 + i) * L, rows, i);
        continue;
      }
      for (int l = 0; l < L; ++l) {
        const index_t job = g * L + l;
        if (job >= jobs) break;
        const index_t c = job % C, s = 2 * (job / C) + q;
        if (s >= blocks) continue;
        T* yc = p.y.channel(c);
        const index_t st = p.y.s_time;
        const index_t n_out = std::min(M, T_len - s * M);
        for (index_t i = 0; i < n_out; ++i) yc[(s * M + i) * st] = part[(K - 1 + i) * L + l];
      }
    }
  });
}

}  // namespace detail
}  // namespace rnnlti
