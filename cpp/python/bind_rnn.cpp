// Bindings of the vector RNN (rnn_forward, rnn_backward) and its readout loss.  Arrays arrive from
// rnnlti/rnn.py validated, C-contiguous, batch-first and of one dtype; outputs are allocated there.
#include "bindings.hpp"
#include "pool.hpp"
#include "rnnlti/gemm.hpp"
#include "rnnlti/readout.hpp"
#include "rnnlti/rnn.hpp"

namespace rnnlti::bind {

namespace {

// The Python layer hands over C-contiguous arrays of one dtype; refuse anything else rather than misread it.
template <class T>
void require(const py::array& a, const char* name) {
  if (!a.dtype().is(py::dtype::of<T>())) fail(std::string(name) + " has the wrong dtype");
  if (!(a.flags() & py::array::c_style)) fail(std::string(name) + " is not C-contiguous");
}

template <class T>
const T* cptr(const py::array& a) {
  return static_cast<const T*>(a.data());
}
template <class T>
const T* cptr(const std::optional<py::array>& a) {
  return a ? static_cast<const T*>(a->data()) : nullptr;
}
template <class T>
T* mptr(py::array& a) {
  return static_cast<T*>(a.mutable_data());
}
template <class T>
T* mptr(std::optional<py::array>& a) {
  return a ? static_cast<T*>(a->mutable_data()) : nullptr;
}

// x (B, T, D), U (N, D), V (M, N, N), h (B, T, N); h0 (B or 1, M, N): batch stride 0 when shared.
template <class T>
RnnForwardArgs<T> forward_args(const py::array& x, const py::array& U, const py::array& V,
                               const std::optional<py::array>& b, const std::optional<py::array>& h0,
                               const py::array& h) {
  require<T>(x, "x");
  require<T>(U, "U");
  require<T>(V, "V");
  require<T>(h, "h");
  if (b) require<T>(*b, "b");
  if (h0) require<T>(*h0, "h0");
  if (x.ndim() != 3 || U.ndim() != 2 || V.ndim() != 3 || h.ndim() != 3) fail("rnn: wrong number of dimensions");
  RnnForwardArgs<T> p;
  p.B = x.shape(0);
  p.T_ = x.shape(1);
  p.D = x.shape(2);
  p.N = U.shape(0);
  p.M = V.shape(0);
  p.x = cptr<T>(x);
  p.U = cptr<T>(U);
  p.V = cptr<T>(V);
  p.b = cptr<T>(b);
  p.h0 = cptr<T>(h0);
  p.h0_stride = (h0 && h0->shape(0) > 1) ? p.M * p.N : 0;
  p.h = const_cast<T*>(cptr<T>(h));
  return p;
}

void rnn_forward_binding(py::array x, py::array U, py::array V, std::optional<py::array> b,
                         std::optional<py::array> h0, py::array h, const std::string& activation) {
  const Activation act = activation_from_name(activation);
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    RnnForwardArgs<T> p = forward_args<T>(x, U, V, b, h0, h);
    p.h = mptr<T>(h);
    Scratch<T> scratch(size_t(rnn_scratch_size<T>(p.D, p.M, p.N)));
    p.scratch = scratch.data();
    py::gil_scoped_release release;
    rnn_forward(p, act);
  });
}

void rnn_backward_binding(py::array x, py::array h, py::array U, py::array V, py::array dh_partial,
                          std::optional<py::array> b, std::optional<py::array> h0, const std::string& activation,
                          std::optional<py::array> dh, py::array dxi, py::array dU, py::array dV,
                          std::optional<py::array> db, std::optional<py::array> dx, std::optional<py::array> dh0) {
  const Activation act = activation_from_name(activation);
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    RnnBackwardArgs<T> p;
    p.fwd = forward_args<T>(x, U, V, b, h0, h);
    for (auto* a : {&dh_partial, &dxi, &dU, &dV}) require<T>(*a, "an rnn_backward array");
    if (dh) require<T>(*dh, "dh");
    if (db) require<T>(*db, "db");
    if (dx) require<T>(*dx, "dx");
    if (dh0) require<T>(*dh0, "dh0");
    p.dh_partial = cptr<T>(dh_partial);
    p.dh = mptr<T>(dh);
    p.dxi = mptr<T>(dxi);
    p.dU = mptr<T>(dU);
    p.dV = mptr<T>(dV);
    p.db = mptr<T>(db);
    p.dx = mptr<T>(dx);
    p.dh0 = mptr<T>(dh0);
    Scratch<T> scratch(size_t(rnn_scratch_size<T>(p.fwd.D, p.fwd.M, p.fwd.N)));
    p.fwd.scratch = scratch.data();
    Scratch<T> slices(size_t(rnn_backward_slices_size(p.fwd.B, p.fwd.T_, p.fwd.D, p.fwd.N, p.fwd.M)));
    p.slices = slices.data();
    py::gil_scoped_release release;
    rnn_backward(p, act);
  });
}

// h (B, T, N), W (K, N), y (B, T, K) with any (zero) strides; returns the loss.
double readout_loss_binding(py::array h, py::array W, std::optional<py::array> c, py::array y, py::array dh,
                            py::array dW, std::optional<py::array> dc) {
  return dispatch_float(h, [&](auto tag) {
    using T = decltype(tag);
    for (auto* a : {&h, &W, &dh, &dW}) require<T>(*a, "a readout_loss array");
    if (c) require<T>(*c, "c");
    if (dc) require<T>(*dc, "dc");
    if (!y.dtype().is(py::dtype::of<T>()) || y.ndim() != 3) fail("y has the wrong dtype or shape");
    ReadoutArgs<T> p;
    p.B = h.shape(0);
    p.T_ = h.shape(1);
    p.N = h.shape(2);
    p.K = W.shape(0);
    p.h = cptr<T>(h);
    p.W = cptr<T>(W);
    p.c = cptr<T>(c);
    p.y = cptr<T>(y);
    p.ys_b = element_stride(y, 0, "y");
    p.ys_t = element_stride(y, 1, "y");
    p.ys_k = element_stride(y, 2, "y");
    p.dh = mptr<T>(dh);
    p.dW = mptr<T>(dW);
    p.dc = mptr<T>(dc);
    Scratch<T> residuals(size_t(readout_scratch_size<T>(p.B, p.T_, p.N, p.K)));
    p.scratch = residuals.data();
    py::gil_scoped_release release;
    return readout_loss(p);
  });
}

// C = A B on row blocks of 256 over the OpenMP threads, with rnnlti's own kernel (small_gemm.hpp, B
// packed once: what the RNN's big products run on) or with Eigen's GEMM routine: not public API, the
// benchmarks' measure of the GEMM throughput on this machine.
void gemm_benchmark_binding(py::array A, py::array B, py::array C, const std::string& kernel) {
  if (kernel != "rnnlti" && kernel != "eigen") fail("gemm_benchmark: kernel must be 'rnnlti' or 'eigen'");
  dispatch_float(A, [&](auto tag) {
    using T = decltype(tag);
    for (auto* a : {&A, &B, &C}) require<T>(*a, "a gemm_benchmark array");
    const index_t m = A.shape(0), k = A.shape(1), n = B.shape(1);
    if (A.ndim() != 2 || B.ndim() != 2 || C.ndim() != 2 || B.shape(0) != k || C.shape(0) != m || C.shape(1) != n)
      fail("gemm_benchmark: shapes do not match");
    const T* a = cptr<T>(A);
    const T* b = cptr<T>(B);
    T* c = mptr<T>(C);
    const bool own = kernel == "rnnlti";
    Scratch<T> packed(own ? size_t(k * packed_ld<T>(n)) : 0);
    py::gil_scoped_release release;
    if (own) rnn_detail::pack_padded(b, k, n, /*transpose=*/false, packed.data());
    const index_t blocks = (m + rnn_detail::kRowBlock - 1) / rnn_detail::kRowBlock;
    parallel_for(blocks, [&](index_t i) {
      const index_t r0 = i * rnn_detail::kRowBlock, nr = std::min(rnn_detail::kRowBlock, m - r0);
      if (own) {
        gemm_rows_packed(nr, k, a + r0 * k, k, packed.data(), packed_ld<T>(n), n, c + r0 * n, n);
        return;
      }
      std::fill(c + r0 * n, c + (r0 + nr) * n, T(0));
      gemm_acc<Op::N, Op::N>(nr, n, k, a + r0 * k, k, b, n, c + r0 * n, n);
    });
  });
}

}  // namespace

void register_rnn(py::module_& m) {
  m.def("rnn_forward", &rnn_forward_binding, py::arg("x"), py::arg("U"), py::arg("V"), py::arg("b"), py::arg("h0"),
        py::arg("h"), py::arg("activation"));
  m.def("rnn_backward", &rnn_backward_binding, py::arg("x"), py::arg("h"), py::arg("U"), py::arg("V"),
        py::arg("dh_partial"), py::arg("b"), py::arg("h0"), py::arg("activation"), py::arg("dh"), py::arg("dxi"),
        py::arg("dU"), py::arg("dV"), py::arg("db"), py::arg("dx"), py::arg("dh0"));
  m.def("readout_loss", &readout_loss_binding, py::arg("h"), py::arg("W"), py::arg("c"), py::arg("y"),
        py::arg("dh"), py::arg("dW"), py::arg("dc"));
  m.def("gemm_benchmark", &gemm_benchmark_binding, py::arg("A"), py::arg("B"), py::arg("C"),
        py::arg("kernel") = "rnnlti");
}

}  // namespace rnnlti::bind
