// Bindings of the second-order-section cascade.  Arrays arrive validated and shaped by rnnlti/sos.py:
// x, y as (outer, inner, length); sos as (outer, inner, 6 * sections); zi, zf as
// (sections, outer, inner, 2), scipy's layout with the channel axes merged.
#include "bindings.hpp"
#include "rnnlti/sosfilt.hpp"
#include "rnnlti/sosfilt_backward.hpp"

namespace rnnlti::bind {

namespace {

// A (sections, outer, inner, 2) state array: section 0's states as signals, plus the section stride.
template <class T>
Signals<T> section_states(std::optional<py::array>& a, const char* name, index_t sections, index_t& s_section) {
  s_section = 0;
  if (!a) return Signals<T>{};
  if (a->ndim() != 4 || a->shape(0) != sections || a->shape(3) != 2) fail(std::string(name) + " has the wrong shape");
  s_section = element_stride(*a, 0, name);
  // Section 0 as a 3-d view; the strides of the other sections follow from s_section.
  py::array first = a->attr("__getitem__")(0);
  return signals<T>(first, name);
}

void sosfilt_binding(py::array sos, py::array x, py::array y, std::optional<py::array> zi,
                     std::optional<py::array> zf, index_t sections, bool reverse) {
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    SosfiltArgs<T> p;
    p.sos = coefs<T>(sos, "sos");
    p.x = signals<const T>(x, "x");
    p.y = signals<T>(y, "y");
    p.sections = sections;
    p.reverse = reverse;
    if (p.sos.size < 6 * sections) fail("sos holds fewer than 6 * sections coefficients");
    p.zi = section_states<const T>(zi, "zi", sections, p.zi_s_section);
    p.zf = section_states<T>(zf, "zf", sections, p.zf_s_section);
    py::gil_scoped_release release;
    sosfilt(p);
  });
}

// dsos: a C-contiguous (channels, sections, 6) array of per-channel gradients, reduced by sos.py.
void sosfilt_backward_binding(py::array sos, py::array x, py::array dy, py::array dx, std::optional<py::array> zi,
                              std::optional<py::array> dzi, py::array dsos, index_t sections) {
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    SosfiltBackwardArgs<T> p;
    p.sos = coefs<T>(sos, "sos");
    p.x = signals<const T>(x, "x");
    p.dy = signals<const T>(dy, "dy");
    p.dx = signals<T>(dx, "dx");
    p.sections = sections;
    if (p.sos.size < 6 * sections) fail("sos holds fewer than 6 * sections coefficients");
    p.zi = section_states<const T>(zi, "zi", sections, p.zi_s_section);
    p.dzi = section_states<T>(dzi, "dzi", sections, p.dzi_s_section);
    check_dtype<T>(dsos, "dsos", 3);
    if (!(dsos.flags() & py::array::c_style) || dsos.shape(0) != p.x.channels() || dsos.shape(1) != sections ||
        dsos.shape(2) != 6)
      fail("dsos must be a C-contiguous (channels, sections, 6) array");
    p.dsos = static_cast<T*>(dsos.mutable_data());
    py::gil_scoped_release release;
    sosfilt_backward(p);
  });
}

}  // namespace

void register_sos(py::module_& m) {
  m.def("sosfilt", &sosfilt_binding, py::arg("sos"), py::arg("x"), py::arg("y"), py::arg("zi"), py::arg("zf"),
        py::arg("sections"), py::arg("reverse") = false);
  m.def("sosfilt_backward", &sosfilt_backward_binding, py::arg("sos"), py::arg("x"), py::arg("dy"), py::arg("dx"),
        py::arg("zi"), py::arg("dzi"), py::arg("dsos"), py::arg("sections"));
}

}  // namespace rnnlti::bind
