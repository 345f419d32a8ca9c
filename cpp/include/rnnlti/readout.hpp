// The written example's loss on a linear readout of the states:
//     yhat[t] = W h[t] + c,     L = 1/2 sum_{b,t} ||y[b,t] - yhat[b,t]||^2,
// and its synchronous partials (all other variables held constant):
//     dL/dh[t] = -W^T (y - yhat[t]),   dW = -sum_t (y - yhat[t]) h[t]^T,   dc = -sum_t (y - yhat[t]).
// y is a strided (B, T, K) view; zero strides broadcast it (the written example's y has no time index).
// The products run on small_gemm.hpp's kernel (no BLAS thread pool wakes up next to the OpenMP one).
#pragma once

#include <algorithm>
#include <vector>

#include "common.hpp"
#include "small_gemm.hpp"
#include "parallel.hpp"
#include "rnn.hpp"

namespace rnnlti {

template <class T>
struct ReadoutArgs {
  index_t B = 0, T_ = 0, N = 0, K = 0;
  const T* h = nullptr;  // (B, T, N)
  const T* W = nullptr;  // (K, N)
  const T* c = nullptr;  // (K,) or null
  const T* y = nullptr;  // (B, T, K) with strides below
  index_t ys_b = 0, ys_t = 0, ys_k = 0;
  T* dh = nullptr;  // (B, T, N) outputs
  T* dW = nullptr;  // (K, N)
  T* dc = nullptr;  // (K,) or null
  T* scratch = nullptr;  // readout_scratch_size(B, T, N, K) elements of work space, or null: allocated
};

// Elements of the work space ReadoutArgs::scratch: the residuals e (B*T x K), the slices of dW, and W
// packed twice (W^T for yhat, W padded for dh).
template <class T>
index_t readout_scratch_size(index_t B, index_t T_, index_t N, index_t K) {
  return B * T_ * K + (rnn_detail::reduction_chunks(B * T_) - 1) * K * N + N * packed_ld<T>(K) + K * packed_ld<T>(N);
}

// Returns L and writes its partials dh, dW, dc.
template <class T>
double readout_loss(const ReadoutArgs<T>& p) {
  using namespace rnn_detail;
  const index_t BT = p.B * p.T_, N = p.N, K = p.K;
  // e[r] = yhat[r] - y[r] = dL/dyhat[r], kept for dW and dc.
  std::vector<T> own;
  T* const e = workspace(p.scratch, own, readout_scratch_size<T>(p.B, p.T_, N, K));
  const index_t chunks = reduction_chunks(BT);
  T* const slices = e + BT * K;
  T* const Wt = slices + (chunks - 1) * K * N;  // (N x K) packed
  T* const W_padded = Wt + N * packed_ld<T>(K);  // (K x N) packed
  pack_padded(p.W, K, N, /*transpose=*/true, Wt);
  pack_padded(p.W, K, N, /*transpose=*/false, W_padded);
  const index_t blocks = (BT + kRowBlock - 1) / kRowBlock;
  std::vector<double> partial(size_t(blocks), 0.0);
  // One parallel region: the row blocks, a barrier (dW needs all of e), then the column tasks.
  rnn_detail::parallel_region([&](const rnn_detail::Team& team) {
    team.for_dynamic(blocks, [&](index_t blk) {
      const index_t r0 = blk * kRowBlock, nr = std::min(kRowBlock, BT - r0);
      T* const eb = e + r0 * K;
      gemm_rows_packed(nr, N, p.h + r0 * N, N, Wt, packed_ld<T>(K), K, eb, K, p.c);  // yhat = c + W h
      for (index_t i = 0; i < nr; ++i) {
        const index_t r = r0 + i, bi = r / p.T_, ti = r % p.T_;
        const T* yr = p.y + bi * p.ys_b + ti * p.ys_t;
        T* er = eb + i * K;
        if (p.ys_k == 1)
          for (index_t k = 0; k < K; ++k) er[k] -= yr[k];
        else
          for (index_t k = 0; k < K; ++k) er[k] -= yr[k * p.ys_k];
      }
      // 1/2 sum e^2 in double, in 8 interleaved partial sums: vectorisable without reordering anything.
      double acc[8] = {};
      const T* eflat = eb;
      const index_t n = nr * K, n8 = n / 8 * 8;
      for (index_t j = 0; j < n8; j += 8)
        for (int l = 0; l < 8; ++l) acc[l] += double(eflat[j + l]) * double(eflat[j + l]);
      for (index_t j = n8; j < n; ++j) acc[0] += double(eflat[j]) * double(eflat[j]);
      double sum = 0;
      for (double a : acc) sum += a;
      partial[size_t(blk)] = 0.5 * sum;
      gemm_rows_packed(nr, K, eb, K, W_padded, packed_ld<T>(N), N, p.dh + r0 * N, N);
    });
    // dW = e^T h, one task per chunk of rows (rnn.hpp's reduction_chunks), then the slices added in
    // order; dc = column sums of e.
    team.for_dynamic(chunks + (p.dc ? 1 : 0), [&](index_t i) {
      if (i == chunks) {
        std::fill(p.dc, p.dc + K, T(0));
        for (index_t r = 0; r < BT; ++r)
          for (index_t k = 0; k < K; ++k) p.dc[k] += e[r * K + k];
        return;
      }
      const index_t r0 = chunk_begin(BT, chunks, i), r1 = chunk_begin(BT, chunks, i + 1);
      T* g = i == 0 ? p.dW : slices + (i - 1) * K * N;
      std::fill(g, g + K * N, T(0));
      gemm_tn_acc(K, N, r1 - r0, e + r0 * K, K, p.h + r0 * N, N, g, N);
    });
    add_slices_in_order(team, p.dW, K * N, slices, K * N, chunks);
  });
  double loss = 0;
  for (double s : partial) loss += s;
  return loss;
}

}  // namespace rnnlti
