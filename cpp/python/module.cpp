// The extension module rnnlti._core: each family of kernels registers its functions from its own file.
#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "rnnlti's C++ kernels (use the functions of the rnnlti package, which check their input)";
#ifdef RNNLTI_VERSION
  m.attr("__version__") = RNNLTI_VERSION;
#endif
  rnnlti::bind::register_threads(m);
  rnnlti::bind::register_memory(m);
  rnnlti::bind::register_linear(m);
  rnnlti::bind::register_nonlinear(m);
  rnnlti::bind::register_rnn(m);
  rnnlti::bind::register_sos(m);
}
