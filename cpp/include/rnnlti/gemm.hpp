// C += op(A) op(B) on raw strided buffers, through Eigen's GEMM routine itself.
//
// Why not Eigen's product expressions: for small sizes (rows + cols + depth < 20) and for vectors they
// switch to coefficient-based or GEMV code whose summation order depends on the memory alignment of the
// operands, so two calls on equal inputs at different addresses could differ in the last bit.  The
// GEMM routine packs its operands into aligned buffers first: its bits depend only on the shapes, which
// the callers fix independently of the thread count.
#pragma once

#include <Eigen/Core>

#include "common.hpp"

namespace rnnlti {

enum class Op { N, T };  // use the row-major operand as stored, or transposed

// C (m x n, row-major, leading dimension ldc) += op(A) (m x k) * op(B) (k x n), where A and B are
// row-major with leading dimensions lda, ldb (for Op::T, A is stored as k x m, B as n x k).
template <Op OpA, Op OpB, class T>
void gemm_acc(index_t m, index_t n, index_t k, const T* A, index_t lda, const T* B, index_t ldb, T* C, index_t ldc) {
  using namespace Eigen::internal;
  if (m <= 0 || n <= 0 || k <= 0) return;
  constexpr int OrderA = OpA == Op::N ? Eigen::RowMajor : Eigen::ColMajor;
  constexpr int OrderB = OpB == Op::N ? Eigen::RowMajor : Eigen::ColMajor;
  gemm_blocking_space<Eigen::RowMajor, T, T, Eigen::Dynamic, Eigen::Dynamic, Eigen::Dynamic> blocking(m, n, k, 1, true);
  general_matrix_matrix_product<Eigen::Index, T, OrderA, false, T, OrderB, false, Eigen::RowMajor, 1>::run(
      m, n, k, A, lda, B, ldb, C, 1, ldc, T(1), blocking, nullptr);
}

}  // namespace rnnlti
