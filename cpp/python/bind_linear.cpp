// Bindings of the linear filters (lfilter, fir).  Arrays arrive validated and shaped
// (outer, inner, length) by rnnlti/linear.py; outputs are allocated there.
#include "bindings.hpp"
#include "rnnlti/fir.hpp"
#include "rnnlti/lfilter.hpp"

namespace rnnlti::bind {

namespace {

void lfilter_binding(py::array b, py::array a, py::array x, py::array y, std::optional<py::array> zi,
                     std::optional<py::array> zf, int order) {
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    LfilterArgs<T> p{coefs<T>(b, "b"), coefs<T>(a, "a"), signals<const T>(x, "x"), signals<T>(y, "y"),
                     optional_signals<const T>(zi, "zi"), optional_signals<T>(zf, "zf")};
    py::gil_scoped_release release;
    lfilter(p, order);
  });
}

void fir_binding(py::array h, py::array x, py::array y) {
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    FirArgs<T> p{coefs<T>(h, "h"), signals<const T>(x, "x"), signals<T>(y, "y")};
    py::gil_scoped_release release;
    fir(p);
  });
}

}  // namespace

void register_linear(py::module_& m) {
  m.def("lfilter", &lfilter_binding, py::arg("b"), py::arg("a"), py::arg("x"), py::arg("y"), py::arg("zi"),
        py::arg("zf"), py::arg("order"));
  m.def("fir", &fir_binding, py::arg("h"), py::arg("x"), py::arg("y"));
}

}  // namespace rnnlti::bind
