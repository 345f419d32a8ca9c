// The vector RNN of the lecture's written example, generalised to M delays:
//     xi[t] = U x[t] + sum_{m=1}^{M} V[m-1] h[t-m] + b,      h[t] = g(xi[t]),
// and its back-propagation through time from the synchronous partials dh_partial[t] = dL/dh[t]:
//     dh[t]  = dh_partial[t] + sum_{m=1}^{M} V[m-1]^T dxi[t+m]     (total derivative grad_{h[t]} L)
//     dxi[t] = g'(xi[t]) * dh[t]
//     dU = sum_t dxi[t] x[t]^T,  dV[m-1] = sum_t dxi[t] h[t-m]^T,  db = sum_t dxi[t],  dx[t] = U^T dxi[t].
// Arrays are C-contiguous and batch-first: x (B, T, D), h (B, T, N); h0 (B, M, N) in time order
// (h0[., j] is h[j - M]).
//
// How the work is laid out (the per-step products are tiny, the rest is big):
// - U x[t] + b for every t and sequence is one GEMM (blocks of rows), written straight into h, whose
//   rows are then finished in place step by step: the forward pass stores nothing but h.
// - A step is out += [h[t-M] ... h[t-1]] (a contiguous M*N row) times V packed once per call, for the
//   sequences of one thread (small_gemm.hpp), then the activation.  Sequences are split across threads;
//   when there are too few of them, the state's columns are (run_sweep).
// - The backward sweep does only dh[t] and dxi[t] step by step; dU, dV, db and dx are GEMMs over all t
//   and all sequences afterwards, in tasks fixed by the sizes: each output element is summed over the
//   batch and time in one fixed order, so the bits do not depend on the number of threads.
// - Every product, per step or big, runs on small_gemm.hpp's kernel straight from the row-major
//   arrays; only the small weight matrices are packed, once per call.  (Eigen's GEMM spent a third of
//   its time packing operands here; this kernel runs at 190-236 of the core's 265 GFLOP/s in float32.)
#pragma once

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "activation.hpp"
#include "common.hpp"
#include "parallel.hpp"
#include "small_gemm.hpp"

namespace rnnlti {

template <class T>
struct RnnForwardArgs {
  index_t B = 0, T_ = 0, D = 0, N = 0, M = 0;  // batch, time steps, input size, state size, delays
  const T* x = nullptr;                         // (B, T, D)
  const T* U = nullptr;                         // (N, D)
  const T* V = nullptr;                         // (M, N, N), V[m-1] multiplies h[t-m]
  const T* b = nullptr;                         // (N,) or null
  const T* h0 = nullptr;                        // (B, M, N) or null (zeros)
  index_t h0_stride = 0;                        // elements between sequences of h0 (0: shared)
  T* h = nullptr;                               // (B, T, N) output
  T* scratch = nullptr;  // rnn_scratch_size<T>(D, M, N) elements of work space (V and U packed), or null: allocated
};

template <class T>
struct RnnBackwardArgs {
  RnnForwardArgs<T> fwd;         // the forward's inputs; fwd.h is the forward's output (read only here)
  const T* dh_partial = nullptr;  // (B, T, N)
  T* dh = nullptr;                // (B, T, N) outputs ... (dh may be null: not kept, only dxi is needed)
  T* dxi = nullptr;               // (B, T, N)
  T* dU = nullptr;                // (N, D)
  T* dV = nullptr;                // (M, N, N)
  T* db = nullptr;                // (N,) or null
  T* dx = nullptr;                // (B, T, D), or null: not wanted (x is data), its GEMM skipped
  T* dh0 = nullptr;               // (B, M, N) or null (one per sequence, even when h0 is shared)
  T* slices = nullptr;  // rnn_backward_slices_size<T>(B, T, D, N, M) elements of work space, or null: allocated
};

namespace rnn_detail {

// Rows per block of the big products (a task each).  Every output element is one FMA chain over k in a
// fixed order (small_gemm.hpp), so the blocking does not change the bits; this only sizes the tasks.
inline constexpr index_t kRowBlock = 256;

// The threads of one parallel region.  A call runs all its phases (projection and sweep, or sweep and
// weight gradients) in one region: each region start costs a wake-up of every thread, which on a
// machine shared with other jobs can mean waiting for a scheduler time slice.
struct Team {
  int id = 0, size = 1;
  // for i in [0, n): body(i), shared out dynamically; all threads must call it; ends with a barrier.
  template <class Body>
  void for_dynamic(index_t n, Body&& body) const {
#ifdef _OPENMP
    if (size > 1) {
#pragma omp for schedule(dynamic, 1)
      for (index_t i = 0; i < n; ++i) body(i);
      return;
    }
#endif
    for (index_t i = 0; i < n; ++i) body(i);
  }
  void barrier() const {
#ifdef _OPENMP
    if (size > 1) {
#pragma omp barrier
    }
#endif
  }
};

template <class Body>
void parallel_region(Body&& body) {
#ifdef _OPENMP
  const int threads = max_threads();
  if (threads > 1) {
#pragma omp parallel num_threads(threads)
    body(Team{omp_get_thread_num(), omp_get_num_threads()});
    return;
  }
#endif
  body(Team{});
}

// body(b0, b1) for blocks of sequences, each running the whole time loop; results do not depend on
// the split (no reductions).  Small blocks, handed out dynamically, keep both cores busy when one of
// them is also running someone else's work; large N keeps a thread's share in one block, so that the
// packed V (up to 1 MiB at N = 512) is read once per step for all of its sequences.
template <class Body>
void over_sequence_blocks(const Team& team, index_t B, index_t N, Body&& body) {
  const index_t threads = std::max<index_t>(1, std::min<index_t>(B, team.size));
  const index_t share = (B + threads - 1) / threads;  // never fewer blocks than threads
  const index_t rows = std::min(share, N <= 64 ? index_t(4) : N <= 256 ? index_t(8) : share);
  const index_t nb = (B + rows - 1) / rows;
  team.for_dynamic(nb, [&](index_t i) { body(i * rows, std::min(B, (i + 1) * rows)); });
}

// h[r] = U x[r] + b for all B*T rows r: blocks of kRowBlock rows times U^T packed (Ut).
template <class T>
void input_projection(const Team& team, const RnnForwardArgs<T>& p, const T* Ut) {
  const index_t BT = p.B * p.T_, D = p.D, N = p.N;
  team.for_dynamic((BT + kRowBlock - 1) / kRowBlock, [&](index_t i) {
    const index_t r0 = i * kRowBlock, nr = std::min(kRowBlock, BT - r0);
    gemm_rows_packed(nr, D, p.x + r0 * D, D, Ut, packed_ld<T>(N), N, p.h + r0 * N, N, p.b);
  });
}

// The rows x cols row-major matrix S, or its transpose, with rows padded to whole packets (zeros), as
// small_gemm_rows reads its right operand.
template <class T>
void pack_padded(const T* S, index_t rows, index_t cols, bool transpose, T* p) {
  const index_t out_rows = transpose ? cols : rows, out_cols = transpose ? rows : cols, ld = packed_ld<T>(out_cols);
  std::fill(p, p + out_rows * ld, T(0));
  for (index_t i = 0; i < out_rows; ++i)
    for (index_t j = 0; j < out_cols; ++j) p[i * ld + j] = transpose ? S[j * cols + i] : S[i * cols + j];
}

// Packs the M delay matrices as one (M*N) x ld matrix whose row kk multiplies element kk of a
// contiguous M*N row of states: forward rows [h[t-M] .. h[t-1]] (kk = (M-m)*N + k holds V[m-1][:, k]),
// backward rows [dxi[t+1] .. dxi[t+M]] (kk = (m-1)*N + i holds V[m-1][i, :]).
template <class T>
const T* pack_delays(const T* V, index_t M, index_t N, bool forward, T* p) {
  for (index_t m = 1; m <= M; ++m)
    pack_padded(V + (m - 1) * N * N, N, N, forward, p + (forward ? M - m : m - 1) * N * packed_ld<T>(N));
  return p;
}

// The sweeps' per-step product: small_gemm_rows, its sums in two FMA chains for a batch of one
// sequence (a size: the choice never depends on the thread count), since then each step waits on the
// latency of its sums.
template <class T, class Epi = detail::StoreSums>
void step_product(bool one_sequence, index_t rows, const T* const* a, index_t K, const T* bp, index_t ldb,
                  index_t ncols, T* const* out, const T* const* in = nullptr, const Epi& epi = Epi{}) {
  small_gemm_rows(rows, a, K, bp, ldb, ncols, out, in, epi, /*two_chains=*/one_sequence);
}

// Waiting in a spin loop: tells the core, and a sibling hyper-thread, that this one is only polling.
inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// The caller's work space `given`, or `own` sized to n elements where the caller gave none.
template <class T>
T* workspace(T* given, std::vector<T>& own, index_t n) {
  if (given) return given;
  own.resize(size_t(n));
  return own.data();
}

// Runs step(b0, b1, j0, j1, sync) = the sweep for sequences [b0, b1) and state columns [j0, j1), where
// sync() is called after every time step; all threads of the team call it, and it ends with a barrier.  Many sequences: each thread takes a block of sequences and
// sync does nothing.  Few sequences with big steps: every thread takes all sequences and a block of
// columns (whole SIMD packets), and sync is a barrier, since step t+1 reads all of step t.  Either way
// each element is computed by the same instructions in the same order: the bits do not change.
inline bool sweep_splits_columns(index_t threads, index_t B, index_t macs_per_step) {
  return threads > 1 && B < 2 * threads && macs_per_step >= (index_t(1) << 16);
}

// A single sequence whose sweep is not split by columns: it runs on one thread, whatever the team.
inline bool sweep_is_serial(index_t threads, index_t B, index_t macs_per_step) {
  return B == 1 && !sweep_splits_columns(threads, B, macs_per_step);
}

template <class T, class Step>
void run_sweep(const Team& team, index_t B, index_t N, index_t macs_per_step, Step&& step) {
  if (sweep_splits_columns(team.size, B, macs_per_step)) {
    const index_t L = kPacket<T>, nvec = (N + L - 1) / L, nt = team.size, i = team.id;
    const index_t j0 = std::min(N, nvec * i / nt * L), j1 = std::min(N, nvec * (i + 1) / nt * L);
    step(index_t(0), B, j0, j1, [&] { team.barrier(); });
    team.barrier();
    return;
  }
  over_sequence_blocks(team, B, N, [&](index_t b0, index_t b1) { step(b0, b1, index_t(0), N, [] {}); });
}

// Epilogue of a forward step's sums (small_gemm_rows): h = g(xi) while xi is still in registers.
template <Activation A>
struct ActivateSums {
  template <class T, class P>
  void operator()(T* dst, index_t, index_t, const P& xi, int count) const {
    if constexpr (kPacketActivation<A, T>) {
      detail::store_part(dst, activate_packet<A, T>(xi), count);
    } else {
      detail::store_part(dst, xi, count);
      activate_row<A>(dst, count);
    }
  }
};

// Epilogue of a backward step's sums: stores dh and, while dh is still in registers, dxi = g'(xi) * dh
// from the rows of h and dxi of this step (indexed like the call's rows; columns from the block's first).
template <Activation A, class T>
struct VjpSums {
  const T* const* h;
  T* const* dxi;
  template <class P>
  void operator()(T* dst, index_t r, index_t j, const P& dh, int count) const {
    detail::store_part(dst, dh, count);
    detail::store_part(dxi[r] + j, vjp_packet<A, T>(detail::load_part(h[r] + j, count), dh), count);
  }
};

template <Activation A, class T, class Sync>
void forward_sweep(const RnnForwardArgs<T>& p, const T* Vf, index_t b0, index_t b1, index_t j0, index_t j1,
                   Sync&& sync) {
  const index_t T_ = p.T_, N = p.N, M = p.M, rows = b1 - b0, ld = packed_ld<T>(N), cols = j1 - j0;
  const T* Vj = Vf + j0;  // the packed columns of this block
  std::vector<const T*> a(static_cast<size_t>(rows));
  std::vector<T*> o(static_cast<size_t>(rows));
  auto state = [&](index_t r, index_t t) { return p.h + ((b0 + r) * T_ + t) * N; };
  for (index_t t = 0; t < T_; ++t) {
    for (index_t r = 0; r < rows; ++r) o[r] = state(r, t) + j0;  // holds U x[t] + b already
    if (t >= M) {  // h[t] = g(xi[t]) as the sums are finished
      for (index_t r = 0; r < rows; ++r) a[r] = state(r, t - M);
      step_product<T>(p.B == 1, rows, a.data(), M * N, Vj, ld, cols, o.data(), nullptr, ActivateSums<A>{});
    } else {
      // Delays m > t reach into h0 = [h[-M] .. h[-1]]: its rows t.. M-1 meet packed rows [0, (M-t) N).
      if (p.h0) {
        for (index_t r = 0; r < rows; ++r) a[r] = p.h0 + (b0 + r) * p.h0_stride + t * N;
        step_product(p.B == 1, rows, a.data(), (M - t) * N, Vj, ld, cols, o.data());
      }
      if (t > 0) {
        for (index_t r = 0; r < rows; ++r) a[r] = state(r, 0);
        step_product(p.B == 1, rows, a.data(), t * N, Vj + (M - t) * N * ld, ld, cols, o.data());
      }
      for (index_t r = 0; r < rows; ++r) activate_row<A>(o[r], cols);
    }
    sync();
  }
}

template <Activation A, class T, class Sync>
void backward_sweep(const RnnBackwardArgs<T>& p, const T* Vb, index_t b0, index_t b1, index_t j0, index_t j1,
                    Sync&& sync) {
  const RnnForwardArgs<T>& f = p.fwd;
  const index_t T_ = f.T_, N = f.N, M = f.M, rows = b1 - b0, ld = packed_ld<T>(N), cols = j1 - j0;
  const T* Vj = Vb + j0;
  std::vector<const T*> a(static_cast<size_t>(rows)), partial(static_cast<size_t>(rows)), h(static_cast<size_t>(rows));
  std::vector<T*> o(static_cast<size_t>(rows)), dxi(static_cast<size_t>(rows));
  std::vector<T> step_rows(p.dh ? 0 : size_t(rows * cols));  // dh[t] of this step when dh is not kept
  auto at = [&](index_t r, index_t t) { return ((b0 + r) * T_ + t) * N; };
  for (index_t t = T_ - 1; t >= 0; --t) {
    for (index_t r = 0; r < rows; ++r) {
      o[r] = p.dh ? p.dh + at(r, t) + j0 : step_rows.data() + r * cols;
      partial[r] = p.dh_partial + at(r, t) + j0;
      h[r] = f.h + at(r, t) + j0;
      dxi[r] = p.dxi + at(r, t) + j0;
    }
    const index_t delays = std::min(M, T_ - 1 - t);  // dxi[t+m] exists for m <= T-1-t
    if (delays > 0) {  // dh[t] = dh_partial[t] + [dxi[t+1] .. dxi[t+M]] V packed, then dxi[t]
      for (index_t r = 0; r < rows; ++r) a[r] = p.dxi + at(r, t + 1);
      step_product(f.B == 1, rows, a.data(), delays * N, Vj, ld, cols, o.data(), partial.data(),
                      VjpSums<A, T>{h.data(), dxi.data()});
    } else {
      for (index_t r = 0; r < rows; ++r) {
        std::memcpy(o[r], partial[r], size_t(cols) * sizeof(T));
        activation_vjp_row<A>(h[r], o[r], dxi[r], cols);
      }
    }
    sync();
  }
  if (!p.dh0) return;
  // h0[j] = h[s] with s = j - M < 0: dh0[j] = sum_{m >= -s, s+m < T} V[m-1]^T dxi[s+m], no partial.
  for (index_t j = 0; j < M; ++j) {
    const index_t s = j - M, m_lo = -s, m_hi = std::min(M, T_ - 1 - s);
    for (index_t r = 0; r < rows; ++r) {
      o[r] = p.dh0 + ((b0 + r) * M + j) * N + j0;
      std::fill(o[r], o[r] + cols, T(0));
      a[r] = p.dxi + at(r, 0);
    }
    if (m_hi >= m_lo) step_product(f.B == 1, rows, a.data(), (m_hi - m_lo + 1) * N, Vj + (m_lo - 1) * N * ld, ld, cols, o.data());
  }
}

// Weight gradients are sums over all B*T rows.  The rows are cut into chunks whose number and bounds
// depend only on the sizes; one task sums one chunk into its own slice (chunk 0 straight into the
// output), then the slices are added to the output in chunk order.  Parallel even when there is a
// single weight matrix to reduce, yet the bits do not depend on the thread count.
inline index_t reduction_chunks(index_t rows) { return std::clamp<index_t>(rows / 1024, 1, 8); }
inline index_t chunk_begin(index_t rows, index_t chunks, index_t c) { return rows * c / chunks; }

// out[i] += slices[c - 1][i] for c = 1 .. chunks-1, in that order, each element once; slices are
// `stride` elements apart.  Shared out over blocks of elements.
template <class T>
void add_slices_in_order(const Team& team, T* out, index_t count, const T* slices, index_t stride, index_t chunks) {
  if (chunks < 2) return;
  constexpr index_t kBlock = 16384;
  team.for_dynamic((count + kBlock - 1) / kBlock, [&](index_t blk) {
    const index_t i0 = blk * kBlock, i1 = std::min(count, i0 + kBlock);
    for (index_t c = 1; c < chunks; ++c) {
      const T* s = slices + (c - 1) * stride;
      for (index_t i = i0; i < i1; ++i) out[i] += s[i];
    }
  });
}

// dU, dV, db and dx after the sweep: chunks of rows for the sums (above), blocks of rows for dx.
// With `rows_done_from` (a single sequence, whose sweep one thread is still running), the tasks are
// taken latest rows first, each once rows_done_from has come down to its first row: the other threads
// work while the sweep runs.  The tasks and what each computes are the same either way.
template <class T>
void weight_gradients(const Team& team, const RnnBackwardArgs<T>& p, const T* U_padded, T* slices,
                      const std::atomic<index_t>* rows_done_from = nullptr) {
  const RnnForwardArgs<T>& f = p.fwd;
  const index_t B = f.B, T_ = f.T_, D = f.D, N = f.N, M = f.M, BT = B * T_;
  const index_t chunks = reduction_chunks(BT), stride = D * N + M * N * N;
  // Task i < (M+1)*chunks: gradient i / chunks (0: dU, m: dV[m-1]) over chunk i % chunks; then db; then dx.
  const index_t sums = (M + 1) * chunks, with_db = sums + (p.db ? 1 : 0);
  const index_t dx_blocks = p.dx ? (BT + kRowBlock - 1) / kRowBlock : 0, tasks = with_db + dx_blocks;
  auto first_row = [&](index_t i) {  // the first row of dxi that task i reads (db: all of them)
    if (i >= with_db) return (i - with_db) * kRowBlock;
    return i == sums ? index_t(0) : chunk_begin(BT, chunks, i % chunks);
  };
  std::vector<index_t> order(size_t(rows_done_from ? tasks : 0));
  for (index_t i = 0; i < index_t(order.size()); ++i) order[size_t(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](index_t u, index_t v) { return first_row(u) > first_row(v); });
  team.for_dynamic(tasks, [&](index_t k) {
    index_t i = k;
    if (rows_done_from) {
      i = order[size_t(k)];
      while (rows_done_from->load(std::memory_order_acquire) > first_row(i)) spin_pause();
    }
    if (i >= with_db) {  // dx = dxi U, one block of rows
      const index_t r0 = (i - with_db) * kRowBlock, nr = std::min(kRowBlock, BT - r0);
      gemm_rows_packed(nr, N, p.dxi + r0 * N, N, U_padded, packed_ld<T>(D), D, p.dx + r0 * D, D);
      return;
    }
    if (i == sums) {  // db = sum over every (b, t) of dxi, rows in order
      std::fill(p.db, p.db + N, T(0));
      for (index_t r = 0; r < BT; ++r)
        for (index_t j = 0; j < N; ++j) p.db[j] += p.dxi[r * N + j];
      return;
    }
    const index_t m = i / chunks, c = i % chunks;
    const index_t r0 = chunk_begin(BT, chunks, c), r1 = chunk_begin(BT, chunks, c + 1);
    const index_t offset = m == 0 ? 0 : D * N + (m - 1) * N * N, size = m == 0 ? D * N : N * N;
    T* g = c == 0 ? (m == 0 ? p.dU : p.dV + (m - 1) * N * N) : slices + (c - 1) * stride + offset;
    std::fill(g, g + size, T(0));
    if (m == 0) {  // dU += sum_r dxi[r] x[r]^T over the chunk's rows
      gemm_tn_acc(N, D, r1 - r0, p.dxi + r0 * N, N, f.x + r0 * D, D, g, D);
      return;
    }
    // dV[m-1] += sum dxi[b,t] h[b,t-m]^T over the chunk's (b, t), with h[t-m] = h0[M+t-m] for t < m.
    for (index_t b = r0 / std::max<index_t>(T_, 1); T_ > 0 && b * T_ < r1; ++b) {
      const index_t t0 = std::max<index_t>(r0 - b * T_, 0), t1 = std::min<index_t>(r1 - b * T_, T_);
      const T* dxi_b = p.dxi + b * T_ * N;
      const index_t late = std::max(t0, m);  // t >= m reads h itself
      if (t1 > late) gemm_tn_acc(N, N, t1 - late, dxi_b + late * N, N, f.h + (b * T_ + late - m) * N, N, g, N);
      const index_t early_end = std::min(t1, m);
      if (f.h0 && early_end > t0)
        gemm_tn_acc(N, N, early_end - t0, dxi_b + t0 * N, N, f.h0 + b * f.h0_stride + (M - m + t0) * N, N, g, N);
    }
  });
  // chunk c's slices of dU and of all dV sit at the same offsets in slice c: dU and dV are added separately.
  add_slices_in_order(team, p.dU, D * N, slices, stride, chunks);
  add_slices_in_order(team, p.dV, M * N * N, slices + D * N, stride, chunks);
}

}  // namespace rnn_detail

// Elements of the work space RnnBackwardArgs::slices that rnn_backward uses: the weight gradients'
// slices, one (D*N + M*N*N) slice per chunk of rows but the first.
inline index_t rnn_backward_slices_size(index_t B, index_t T_, index_t D, index_t N, index_t M) {
  return (rnn_detail::reduction_chunks(B * T_) - 1) * (D * N + M * N * N);
}

// Elements of the work space RnnForwardArgs::scratch that rnn_forward and rnn_backward use: V packed,
// then U^T packed (forward) or U padded (backward).
template <class T>
index_t rnn_scratch_size(index_t D, index_t M, index_t N) {
  return M * N * packed_ld<T>(N) + std::max(D * packed_ld<T>(N), N * packed_ld<T>(D));
}

// h = the forward pass (see the file comment); act is the activation g.
template <class T>
void rnn_forward(const RnnForwardArgs<T>& p, Activation act) {
  using namespace rnn_detail;
  if (p.B == 0 || p.T_ == 0 || p.N == 0) return;
  std::vector<T> own;
  T* const scratch = workspace(p.scratch, own, rnn_scratch_size<T>(p.D, p.M, p.N));
  const T* Vf = pack_delays(p.V, p.M, p.N, /*forward=*/true, scratch);
  T* const Ut = scratch + p.M * p.N * packed_ld<T>(p.N);
  pack_padded(p.U, p.N, p.D, /*transpose=*/true, Ut);
  dispatch_activation(act, [&](auto tag) {
    constexpr Activation A = decltype(tag)::value;
    auto body = [&](const Team& team) {
      input_projection(team, p, Ut);  // ends with a barrier: the sweep reads every row
      run_sweep<T>(team, p.B, p.N, p.B * p.M * p.N * p.N,
                   [&](index_t b0, index_t b1, index_t j0, index_t j1, auto&& sync) {
                     forward_sweep<A>(p, Vf, b0, b1, j0, j1, sync);
                   });
    };
    // One sequence with small steps: the sweep runs on one thread anyway, and the projection is a
    // small part of the call; the calling thread does it all rather than wake a team that would wait.
    if (sweep_is_serial(max_threads(), p.B, p.M * p.N * p.N)) body(Team{});
    else parallel_region(body);
  });
}

// Every gradient from the synchronous partials dh_partial (see the file comment).
template <class T>
void rnn_backward(const RnnBackwardArgs<T>& p, Activation act) {
  using namespace rnn_detail;
  const RnnForwardArgs<T>& f = p.fwd;
  const index_t B = f.B, T_ = f.T_, N = f.N, M = f.M;
  std::vector<T> own_slices, own_packed;
  T* const slices = workspace(p.slices, own_slices, rnn_backward_slices_size(B, T_, f.D, N, M));
  T* const scratch = workspace(f.scratch, own_packed, rnn_scratch_size<T>(f.D, M, N));
  T* const U_padded = scratch + M * N * packed_ld<T>(N);
  pack_padded(f.U, N, f.D, /*transpose=*/false, U_padded);
  if (B * T_ * N == 0) {
    if (p.dh0) std::fill(p.dh0, p.dh0 + B * M * N, T(0));
    weight_gradients(Team{}, p, U_padded, slices);
    return;
  }
  const T* Vb = pack_delays(f.V, M, N, /*forward=*/false, scratch);
  dispatch_activation(act, [&](auto tag) {
    constexpr Activation A = decltype(tag)::value;
    std::atomic<index_t> rows_done_from{T_};
    parallel_region([&](const Team& team) {
      if (team.size > 1 && sweep_is_serial(team.size, B, B * M * N * N)) {
        // One sequence: thread 0 sweeps, saying every 32 steps which rows are done, while the others
        // start on the weight gradients of those rows.  (Saying it every step cost the sweep a transfer
        // of the counter's cache line from the polling threads each time.)
        if (team.id == 0) {
          index_t next = T_;
          backward_sweep<A>(p, Vb, 0, 1, 0, N, [&] {
            if (--next % 32 == 0) rows_done_from.store(next, std::memory_order_release);
          });
        }
        weight_gradients(team, p, U_padded, slices, &rows_done_from);
        return;
      }
      run_sweep<T>(team, B, N, B * M * N * N, [&](index_t b0, index_t b1, index_t j0, index_t j1, auto&& sync) {
        backward_sweep<A>(p, Vb, b0, b1, j0, j1, sync);
      });  // ends with a barrier: the weight gradients read all of dxi
      weight_gradients(team, p, U_padded, slices);
    });
  });
}

}  // namespace rnnlti
