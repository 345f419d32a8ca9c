// Bindings of the nonlinear FIR / IIR filters, their backward passes, and lfilter_backward.  Arrays
// arrive validated and shaped (outer, inner, length) by rnnlti/nonlinear.py and rnnlti/lfilter_grad.py,
// which also allocate the outputs.  No maths here.
#include "bindings.hpp"
#include "rnnlti/lfilter_backward.hpp"
#include "rnnlti/nonlinear_fir.hpp"
#include "rnnlti/nonlinear_iir.hpp"

namespace rnnlti::bind {

namespace {

// A 1-D contiguous weight vector of dtype T (w, dw).
template <class T>
T* vector_data(py::array& a, const char* name) {
  check_dtype<T>(a, name, 1);
  if (a.ndim() != 1 || (a.shape(0) > 1 && a.strides(0) != index_t(sizeof(T))))
    fail(std::string(name) + " must be a contiguous 1-D array");
  return static_cast<T*>(const_cast<void*>(a.data()));
}

template <class T>
T* matrix_data(py::array& a, const char* name) {
  check_dtype<T>(a, name, 2);
  if (!(a.flags() & py::array::c_style)) fail(std::string(name) + " must be C-contiguous");
  return static_cast<T*>(a.mutable_data());
}

void nonlinear_fir_binding(py::array w, py::array x, py::array y, const std::string& activation) {
  const Activation act = activation_from_name(activation);
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    NonlinearFirArgs<T> p{vector_data<T>(w, "w"), index_t(w.shape(0)), act};
    auto xs = signals<const T>(x, "x");
    auto ys = signals<T>(y, "y");
    py::gil_scoped_release release;
    nonlinear_fir(p, xs, ys);
  });
}

void nonlinear_fir_backward_binding(py::array w, py::array x, py::array y, py::array dy, py::array dx,
                                    py::array dw, const std::string& activation) {
  const Activation act = activation_from_name(activation);
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    NonlinearFirArgs<T> p{vector_data<T>(w, "w"), index_t(w.shape(0)), act};
    auto xs = signals<const T>(x, "x");
    auto ys = signals<const T>(y, "yhat");
    auto dys = signals<const T>(dy, "dyhat");
    auto dxs = signals<T>(dx, "dx");
    T* dwp = vector_data<T>(dw, "dw");
    py::gil_scoped_release release;
    nonlinear_fir_backward(p, xs, ys, dys, dxs, dwp);
  });
}

void nonlinear_iir_binding(py::array w, py::array x, py::array h, std::optional<py::array> h0,
                           const std::string& activation) {
  const Activation act = activation_from_name(activation);
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    NonlinearIirArgs<T> p{vector_data<T>(w, "w"), index_t(w.shape(0)), act, optional_signals<const T>(h0, "h0")};
    auto xs = signals<const T>(x, "x");
    auto hs = signals<T>(h, "h");
    py::gil_scoped_release release;
    nonlinear_iir(p, xs, hs);
  });
}

void nonlinear_iir_backward_binding(py::array w, py::array h, py::array dhp, py::array dh, py::array dxi,
                                    std::optional<py::array> h0, std::optional<py::array> dh0, py::array dw,
                                    const std::string& activation) {
  const Activation act = activation_from_name(activation);
  dispatch_float(h, [&](auto tag) {
    using T = decltype(tag);
    NonlinearIirArgs<T> p{vector_data<T>(w, "w"), index_t(w.shape(0)), act, optional_signals<const T>(h0, "h0")};
    auto hs = signals<const T>(h, "h");
    auto dhps = signals<const T>(dhp, "dh_partial");
    auto dhs = signals<T>(dh, "dh");
    auto dxis = signals<T>(dxi, "dxi");
    auto dh0s = optional_signals<T>(dh0, "dh0");
    T* dwp = vector_data<T>(dw, "dw");
    py::gil_scoped_release release;
    nonlinear_iir_backward(p, hs, dhps, dhs, dxis, dh0s, dwp);
  });
}

void lfilter_backward_binding(py::array b, py::array a, py::array x, std::optional<py::array> y, py::array dy,
                              py::array dx, std::optional<py::array> dzi, py::array db, py::array da, int order) {
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    LfilterBackwardArgs<T> p{coefs<T>(b, "b"),
                             coefs<T>(a, "a"),
                             signals<const T>(x, "x"),
                             optional_signals<const T>(y, "y"),
                             signals<const T>(dy, "dy"),
                             signals<T>(dx, "dx"),
                             optional_signals<T>(dzi, "dzi"),
                             matrix_data<T>(db, "db"),
                             matrix_data<T>(da, "da")};
    if (db.shape(0) != p.x.channels() || db.shape(1) != p.b.size || da.shape(0) != p.x.channels() ||
        da.shape(1) != p.a.size)
      fail("db / da must have shape (channels, len(b)) / (channels, len(a))");
    if (!p.y.data && p.dzi.data) fail("y is needed with zi");
    py::gil_scoped_release release;
    lfilter_backward(p, order);
  });
}

}  // namespace

void register_nonlinear(py::module_& m) {
  m.def("nonlinear_fir", &nonlinear_fir_binding, py::arg("w"), py::arg("x"), py::arg("y"), py::arg("activation"));
  m.def("nonlinear_fir_backward", &nonlinear_fir_backward_binding, py::arg("w"), py::arg("x"), py::arg("y"),
        py::arg("dy"), py::arg("dx"), py::arg("dw"), py::arg("activation"));
  m.def("nonlinear_iir", &nonlinear_iir_binding, py::arg("w"), py::arg("x"), py::arg("h"), py::arg("h0"),
        py::arg("activation"));
  m.def("nonlinear_iir_backward", &nonlinear_iir_backward_binding, py::arg("w"), py::arg("h"),
        py::arg("dh_partial"), py::arg("dh"), py::arg("dxi"), py::arg("h0"), py::arg("dh0"), py::arg("dw"),
        py::arg("activation"));
  m.def("lfilter_backward", &lfilter_backward_binding, py::arg("b"), py::arg("a"), py::arg("x"), py::arg("y"),
        py::arg("dy"), py::arg("dx"), py::arg("dzi"), py::arg("db"), py::arg("da"), py::arg("order"));
}

}  // namespace rnnlti::bind
