// A process-wide pool of reused, 64-byte aligned buffers for outputs and scratch space (see
// bind_memory.cpp for why): memory taken from it and given back is not returned to the system, so the
// next buffer of the same size comes without the page faults of fresh memory.
#pragma once

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace rnnlti::bind {

inline constexpr size_t kMinBytes = size_t(1) << 16;
inline constexpr size_t kCapBytes = size_t(256) << 20;
inline constexpr size_t kAlign = 64;
// Buffers of kHugeBytes and more are aligned to and sized in 2 MiB pages and advised to use
// transparent huge pages, as NumPy does for its own large arrays: with 4 KiB pages the TLB misses of
// streaming through 50 MB cost the linear filters about a third of their time.
inline constexpr size_t kHugeBytes = size_t(4) << 20;
inline constexpr size_t kHugePage = size_t(2) << 20;

class BufferPool {
 public:
  // A buffer of at least `bytes` (rounded up to kAlign); its true capacity is written to `capacity`.
  void* take(size_t bytes, size_t& capacity) {
    const size_t align = bytes >= kHugeBytes ? kHugePage : kAlign;
    capacity = bytes == 0 ? kAlign : (bytes + align - 1) / align * align;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = idle_.find(capacity);
      if (it != idle_.end()) {
        void* p = it->second;
        idle_.erase(it);
        idle_bytes_ -= capacity;
        return p;
      }
    }
    void* p = std::aligned_alloc(align, capacity);
    if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (align == kHugePage) madvise(p, capacity, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
    return p;
  }

  void give_back(void* p, size_t capacity) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (idle_bytes_ + capacity <= kCapBytes) {
        idle_.emplace(capacity, p);
        idle_bytes_ += capacity;
        return;
      }
    }
    std::free(p);
  }

  void release() {
    std::multimap<size_t, void*> idle;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      idle.swap(idle_);
      idle_bytes_ = 0;
    }
    for (auto& kv : idle) std::free(kv.second);
  }

  size_t idle_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return idle_bytes_;
  }

 private:
  std::mutex mutex_;
  std::multimap<size_t, void*> idle_;  // capacity -> buffer
  size_t idle_bytes_ = 0;
};

// Never destroyed: arrays may outlive the module's static objects at interpreter exit.
inline BufferPool& pool() {
  static BufferPool* p = new BufferPool;
  return *p;
}

// A buffer of `count` elements of T leased from the pool for the lifetime of this object (kernel
// scratch space).  Small buffers come from the pool too: a lease is one mutex and a map lookup.
template <class T>
class Scratch {
 public:
  explicit Scratch(size_t count) : data_(static_cast<T*>(pool().take(count * sizeof(T), capacity_))) {}
  ~Scratch() { pool().give_back(data_, capacity_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* data() const { return data_; }

 private:
  size_t capacity_ = 0;
  T* data_;
};

}  // namespace rnnlti::bind
