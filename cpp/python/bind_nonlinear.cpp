#include "bindings.hpp"

namespace rnnlti::bind {

void register_nonlinear(py::module_& m) { (void)m; }

}  // namespace rnnlti::bind
