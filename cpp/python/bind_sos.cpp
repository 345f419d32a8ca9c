// Bindings of the second-order-section cascade.  Arrays arrive validated and shaped by rnnlti/sos.py:
// x, y as (outer, inner, length); sos as (outer, inner, 6 * sections); zi, zf as
// (sections, outer, inner, 2), scipy's layout with the channel axes merged.
#include "bindings.hpp"
#include "rnnlti/sosfilt.hpp"

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
                     std::optional<py::array> zf, index_t sections) {
  dispatch_float(x, [&](auto tag) {
    using T = decltype(tag);
    SosfiltArgs<T> p;
    p.sos = coefs<T>(sos, "sos");
    p.x = signals<const T>(x, "x");
    p.y = signals<T>(y, "y");
    p.sections = sections;
    if (p.sos.size < 6 * sections) fail("sos holds fewer than 6 * sections coefficients");
    p.zi = section_states<const T>(zi, "zi", sections, p.zi_s_section);
    p.zf = section_states<T>(zf, "zf", sections, p.zf_s_section);
    py::gil_scoped_release release;
    sosfilt(p);
  });
}

}  // namespace

void register_sos(py::module_& m) {
  m.def("sosfilt", &sosfilt_binding, py::arg("sos"), py::arg("x"), py::arg("y"), py::arg("zi"), py::arg("zf"),
        py::arg("sections"));
}

}  // namespace rnnlti::bind
