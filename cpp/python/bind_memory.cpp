// Output arrays from a pool of reused buffers.
//
// Why: a fresh NumPy array of more than a few hundred KiB is a fresh mmap, and on a virtual machine
// every 4 KiB page of it costs a page fault (about 1 us here) when the kernel first writes it.  A
// training loop calls the RNN's forward and backward with the same shapes every step: at
// (B, T, N) = (32, 256, 128) the faults of its five fresh outputs took longer than the arithmetic.
// Arrays made here are ordinary NumPy arrays whose memory returns to the pool, not to the system, when
// the last reference to them goes; the next array of the same size reuses it, already mapped.
//
// The pool keeps at most kCapBytes of idle buffers (beyond that a returned buffer is freed) and only
// buffers of at least kMinBytes (smaller ones cost no faults worth saving).  pool_release() frees every
// idle buffer; pool_idle_bytes() reports what is held.  Buffers are 64-byte aligned.
#include "bindings.hpp"
#include "pool.hpp"

namespace rnnlti::bind {

namespace {

struct Lease {
  void* data;
  size_t capacity;
};

// An uninitialised C-contiguous array of `shape` and `dtype`, its memory leased from the pool, whose
// data address is `offset` bytes past a 64-byte boundary (a multiple of the item size below 64).  An
// output placed like its input keeps the two co-aligned: the kernels' aligned stretches (whole
// cache lines written non-temporally) then read whole lines of the input too.
py::array pooled_empty(const std::vector<py::ssize_t>& shape, const py::dtype& dtype, size_t offset) {
  if (offset >= kAlign || offset % size_t(dtype.itemsize())) fail("pooled_empty: bad offset");
  size_t count = 1;
  for (py::ssize_t n : shape) {
    if (n < 0) fail("pooled_empty: negative dimension");
    count *= size_t(n);
  }
  const size_t bytes = count * size_t(dtype.itemsize());
  if (bytes < kMinBytes) return py::array(dtype, shape);
  auto* lease = new Lease{nullptr, 0};
  try {
    lease->data = pool().take(bytes + kAlign, lease->capacity);
  } catch (...) {
    delete lease;
    throw;
  }
  py::capsule owner(lease, [](void* l) {
    auto* lease = static_cast<Lease*>(l);
    pool().give_back(lease->data, lease->capacity);
    delete lease;
  });
  return py::array(dtype, shape, static_cast<char*>(lease->data) + offset, owner);
}

}  // namespace

void register_memory(py::module_& m) {
  m.def("pooled_empty", &pooled_empty, py::arg("shape"), py::arg("dtype"), py::arg("offset") = 0);
  m.def("pool_release", [] { pool().release(); });
  m.def("pool_idle_bytes", [] { return pool().idle_bytes(); });
}

}  // namespace rnnlti::bind
