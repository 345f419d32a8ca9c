#include "bindings.hpp"
#include "rnnlti/parallel.hpp"

namespace rnnlti::bind {

void register_threads(py::module_& m) {
  m.def("set_num_threads", &set_max_threads, py::arg("n"));
  m.def("get_num_threads", &max_threads);
#ifdef _OPENMP
  m.attr("has_openmp") = true;
#else
  m.attr("has_openmp") = false;
#endif
}

}  // namespace rnnlti::bind
