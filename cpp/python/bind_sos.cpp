#include "bindings.hpp"

namespace rnnlti::bind {

void register_sos(py::module_& m) { (void)m; }

}  // namespace rnnlti::bind
