// Helpers shared by the binding files: turning NumPy arrays that the Python layer has already
// validated into the kernels' strided views, and dispatching on float32/float64.  No maths here.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "rnnlti/common.hpp"

namespace rnnlti::bind {

namespace py = pybind11;

// Throws ValueError (the Python layer should have caught it with a better message).
[[noreturn]] inline void fail(const std::string& what) { throw py::value_error("rnnlti._core: " + what); }

inline index_t element_stride(const py::array& a, int dim, const char* name) {
  const auto s = a.strides(dim);
  if (s % index_t(a.itemsize()) != 0) fail(std::string(name) + " has a stride that is not a multiple of its item size");
  return s / index_t(a.itemsize());
}

// Equivalence, not identity: an unpickled dtype (arrays sent to Dask or multiprocessing workers) is a
// distinct but equal object.
template <class T>
bool has_dtype(const py::array& a) {
  return py::isinstance<py::array_t<T>>(a);
}

template <class T>
void check_dtype(const py::array& a, const char* name, int ndim) {
  if (!has_dtype<T>(a)) fail(std::string(name) + " has the wrong dtype");
  if (a.ndim() != ndim) fail(std::string(name) + " must have " + std::to_string(ndim) + " dimensions");
}

// A (outer, inner, length) array as a batch of signals.
template <class T>
Signals<T> signals(py::array& a, const char* name) {
  check_dtype<std::remove_const_t<T>>(a, name, 3);
  if constexpr (!std::is_const_v<T>) {
    if (!a.writeable()) fail(std::string(name) + " is read-only");
  }
  Signals<T> s;
  s.data = static_cast<T*>(const_cast<void*>(a.data()));
  s.outer = a.shape(0);
  s.inner = a.shape(1);
  s.length = a.shape(2);
  s.s_outer = element_stride(a, 0, name);
  s.s_inner = element_stride(a, 1, name);
  s.s_time = element_stride(a, 2, name);
  return s;
}

template <class T>
Signals<T> optional_signals(std::optional<py::array>& a, const char* name) {
  return a ? signals<T>(*a, name) : Signals<T>{};
}

// A (outer, inner, k) array of per-channel coefficients.
template <class T>
Coefs<T> coefs(py::array& a, const char* name) {
  check_dtype<T>(a, name, 3);
  Coefs<T> c;
  c.data = static_cast<const T*>(a.data());
  c.outer = a.shape(0);
  c.inner = a.shape(1);
  c.size = a.shape(2);
  c.s_outer = element_stride(a, 0, name);
  c.s_inner = element_stride(a, 1, name);
  c.s_k = element_stride(a, 2, name);
  return c;
}

// Calls f(T{}) with T = float or double, the dtype of `a`.
template <class F>
decltype(auto) dispatch_float(const py::array& a, F&& f) {
  if (has_dtype<float>(a)) return f(float{});
  if (has_dtype<double>(a)) return f(double{});
  fail("expected a float32 or float64 array");
}

void register_threads(py::module_& m);
void register_memory(py::module_& m);
void register_linear(py::module_& m);
void register_nonlinear(py::module_& m);
void register_rnn(py::module_& m);
void register_sos(py::module_& m);

}  // namespace rnnlti::bind
