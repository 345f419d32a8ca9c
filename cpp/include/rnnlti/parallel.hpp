// The library's one thread knob and its parallel loop.  Work is split into blocks whose boundaries
// depend only on the problem size, never on the thread count, so every result (reductions included,
// which are summed block by block in a fixed order) is bitwise identical for any number of threads.
#pragma once

#include <algorithm>
#include <atomic>

#include "common.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace rnnlti {

inline std::atomic<int>& thread_setting() {
  static std::atomic<int> n{0};  // 0: OpenMP's default (OMP_NUM_THREADS or the core count)
  return n;
}

inline int max_threads() {
#ifdef _OPENMP
  int n = thread_setting().load();
  return n > 0 ? n : omp_get_max_threads();
#else
  return 1;
#endif
}

inline void set_max_threads(int n) { thread_setting().store(n > 0 ? n : 0); }

// Calls body(i) for i in [0, n) on up to max_threads() threads (never more threads than items).
template <class Body>
void parallel_for(index_t n, Body&& body) {
#ifdef _OPENMP
  int threads = int(std::min<index_t>(max_threads(), n));
  if (threads > 1) {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (index_t i = 0; i < n; ++i) body(i);
    return;
  }
#endif
  for (index_t i = 0; i < n; ++i) body(i);
}

// out[m] = sum over blk of partial[blk * k + m], m < k: per-block partial sums (one row of k per block,
// written by parallel_for) reduced in block order, so the total has the same bits for any thread count.
template <class T>
void sum_blocks_in_order(const T* partial, index_t blocks, index_t k, T* out) {
  for (index_t m = 0; m < k; ++m) {
    T s = T(0);
    for (index_t blk = 0; blk < blocks; ++blk) s += partial[blk * k + m];
    out[m] = s;
  }
}

}  // namespace rnnlti
