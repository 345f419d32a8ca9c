#include "bindings.hpp"

namespace rnnlti::bind {

void register_rnn(py::module_& m) { (void)m; }

}  // namespace rnnlti::bind
