// The written example's loss on a linear readout of the states:
//     yhat[t] = W h[t] + c,     L = 1/2 sum_{b,t} ||y[b,t] - yhat[b,t]||^2,
// and its synchronous partials (all other variables held constant):
//     dL/dh[t] = -W^T (y - yhat[t]),   dW = -sum_t (y - yhat[t]) h[t]^T,   dc = -sum_t (y - yhat[t]).
// y is a strided (B, T, K) view; zero strides broadcast it (the written example's y has no time index).
// The products run here, on Eigen, so that no BLAS thread pool wakes up next to the OpenMP one.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <vector>

#include "common.hpp"
#include "gemm.hpp"
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
};

// Returns L and writes its partials dh, dW, dc.
template <class T>
double readout_loss(const ReadoutArgs<T>& p) {
  using namespace rnn_detail;
  const index_t BT = p.B * p.T_, N = p.N, K = p.K;
  // e[r] = yhat[r] - y[r] = dL/dyhat[r], kept for dW and dc.
  std::vector<T> e(size_t(BT * K));
  const index_t blocks = (BT + kRowBlock - 1) / kRowBlock;
  std::vector<double> partial(size_t(blocks), 0.0);
  const index_t width = N >= 512 ? 256 : 128, col_tasks = (N + width - 1) / width;
  // One parallel region: the row blocks, a barrier (dW needs all of e), then the column tasks.
  rnn_detail::parallel_region([&](const rnn_detail::Team& team) {
    team.for_dynamic(blocks, [&](index_t blk) {
      const index_t r0 = blk * kRowBlock, nr = std::min(kRowBlock, BT - r0);
      MMap<T> eb(e.data() + r0 * K, nr, K);
      eb.setZero();
      gemm_acc<Op::N, Op::T>(nr, K, N, p.h + r0 * N, N, p.W, N, eb.data(), K);
      for (index_t i = 0; i < nr; ++i) {
        const index_t r = r0 + i, bi = r / p.T_, ti = r % p.T_;
        const T* yr = p.y + bi * p.ys_b + ti * p.ys_t;
        T* er = eb.data() + i * K;
        if (p.c)
          for (index_t k = 0; k < K; ++k) er[k] += p.c[k];
        if (p.ys_k == 1)
          for (index_t k = 0; k < K; ++k) er[k] -= yr[k];
        else
          for (index_t k = 0; k < K; ++k) er[k] -= yr[k * p.ys_k];
      }
      // 1/2 sum e^2 in double, in 8 interleaved partial sums: vectorisable without reordering anything.
      double acc[8] = {};
      const T* eflat = eb.data();
      const index_t n = nr * K, n8 = n / 8 * 8;
      for (index_t j = 0; j < n8; j += 8)
        for (int l = 0; l < 8; ++l) acc[l] += double(eflat[j + l]) * double(eflat[j + l]);
      for (index_t j = n8; j < n; ++j) acc[0] += double(eflat[j]) * double(eflat[j]);
      double sum = 0;
      for (double a : acc) sum += a;
      partial[size_t(blk)] = 0.5 * sum;
      MMap<T> dhb(p.dh + r0 * N, nr, N);
      dhb.setZero();
      gemm_acc<Op::N, Op::N>(nr, N, K, eb.data(), K, p.W, N, dhb.data(), N);
    });
    // dW[:, cols] = e^T h[:, cols] over all rows in one GEMM per column block; dc = column sums of e.
    team.for_dynamic(col_tasks + (p.dc ? 1 : 0), [&](index_t i) {
      if (i == col_tasks) {
        std::fill(p.dc, p.dc + K, T(0));
        for (index_t r = 0; r < BT; ++r)
          for (index_t k = 0; k < K; ++k) p.dc[k] += e[size_t(r * K + k)];
        return;
      }
      const index_t c0 = i * width, w = std::min(width, N - c0);
      MMap<T>(p.dW, K, N).middleCols(c0, w).setZero();
      gemm_acc<Op::T, Op::N>(K, w, BT, e.data(), K, p.h + c0, N, p.dW + c0, N);
    });
  });
  double loss = 0;
  for (double s : partial) loss += s;
  return loss;
}

}  // namespace rnnlti
