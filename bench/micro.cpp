// C++ microbenchmark of the lfilter and fir kernels (a small chrono harness, no Python):
//   cmake -S . -B build/micro -DRNNLTI_MICROBENCH=ON -Dpybind11_DIR=$(python -m pybind11 --cmakedir) \
//     && cmake --build build/micro --target micro && build/micro/micro [repeats] [crossover]
// Prints min and median milliseconds of each kernel on B channels x T samples (time last, output
// already touched), next to a plain memcpy of the same bytes (the memory floor); with "crossover",
// the direct FIR path against the FFT path for 16 to 512 taps.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "rnnlti/fir.hpp"
#include "rnnlti/lfilter.hpp"

using namespace rnnlti;

static double cpu_ms() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

template <class F>
static void report(const std::string& name, int repeats, F&& f) {
  std::vector<double> ms, cpu;
  f();  // warm-up
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_ms();
    f();
    cpu.push_back(cpu_ms() - c0);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  // CPU time (all threads) is robust against other processes on a shared machine.
  std::printf("%-34s min %9.3f ms   median %9.3f ms   cpu median %9.3f ms\n", name.c_str(), ms.front(),
              ms[ms.size() / 2], cpu[cpu.size() / 2]);
}

template <class S>
static Signals<S> rows(S* data, index_t channels, index_t length) {
  Signals<S> s;
  s.data = data;
  s.outer = channels;
  s.inner = 1;
  s.length = length;
  s.s_outer = length;
  s.s_inner = 0;
  s.s_time = 1;
  return s;
}

template <class T>
static Coefs<T> shared(const std::vector<T>& c) {
  Coefs<T> v;
  v.data = c.data();
  v.size = index_t(c.size());
  return v;
}

template <class T>
static void run(const char* dtype, index_t B, index_t Tn, int repeats) {
  std::vector<T> x(size_t(B * Tn)), y(x.size(), T(0));
  std::mt19937_64 gen(0);
  std::normal_distribution<double> nd;
  for (auto& v : x) v = T(nd(gen));
  const std::string size = std::string(dtype) + " " + std::to_string(B) + "x" + std::to_string(Tn);
  report("memcpy " + size, repeats, [&] { std::memcpy(y.data(), x.data(), x.size() * sizeof(T)); });
  // Butterworth low-pass coefficients (scipy.signal.butter(n, 0.1)).
  const std::vector<T> b2{0.020083365564211232, 0.040166731128422464, 0.020083365564211232};
  const std::vector<T> a2{1.0, -1.5610180758007182, 0.6413515380575631};
  const std::vector<T> b8{2.3959644e-08, 1.9167715e-07, 6.7087003e-07, 1.3417401e-06, 1.6771751e-06,
                          1.3417401e-06, 6.7087003e-07, 1.9167715e-07, 2.3959644e-08};
  const std::vector<T> a8{1.0, -6.6306107, 19.2900633, -32.1989519, 33.6886003, -22.6454339, 9.5472596,
                          -2.3097416, 0.2471008};
  for (auto [name, b, a] : {std::tuple{"iir2", &b2, &a2}, std::tuple{"iir8", &b8, &a8}}) {
    LfilterArgs<T> p{shared(*b), shared(*a), rows<const T>(x.data(), B, Tn), rows<T>(y.data(), B, Tn), {}, {}};
    report(std::string("lfilter ") + name + " " + size, repeats, [&] { lfilter(p, int(b->size()) - 1); });
  }
  for (int K : {8, 64, 512}) {
    std::vector<T> h(K);
    for (auto& v : h) v = T(nd(gen) / K);
    FirArgs<T> p{shared(h), rows<const T>(x.data(), B, Tn), rows<T>(y.data(), B, Tn)};
    report("fir " + std::to_string(K) + " " + size, repeats, [&] { fir(p); });
  }
}

// The FIR crossover: the direct (time-contiguous SIMD) path against the FFT overlap-save path.
template <class T>
static void crossover(const char* dtype, index_t B, index_t Tn, int repeats) {
  std::vector<T> x(size_t(B * Tn)), y(x.size(), T(0));
  std::mt19937_64 gen(1);
  std::normal_distribution<double> nd;
  for (auto& v : x) v = T(nd(gen));
  for (int K : {16, 32, 48, 64, 96, 128, 192, 256, 512}) {
    std::vector<T> h(K);
    for (auto& v : h) v = T(nd(gen) / K);
    FirArgs<T> p{shared(h), rows<const T>(x.data(), B, Tn), rows<T>(y.data(), B, Tn)};
    const std::string size = std::string(dtype) + " " + std::to_string(B) + "x" + std::to_string(Tn);
    report("fir direct " + std::to_string(K) + " " + size, repeats, [&] { detail::fir_time_contiguous(p); });
    report("fir fft    " + std::to_string(K) + " " + size, repeats, [&] { detail::fir_fft<T>(p); });
  }
}

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[2]) == "crossover") {
    crossover<double>("f64", 64, 100000, std::atoi(argv[1]));
    crossover<float>("f32", 64, 100000, std::atoi(argv[1]));
    return 0;
  }
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 9;
  std::printf("threads: %d\n", max_threads());
  run<double>("f64", 64, 100000, repeats);
  run<float>("f32", 64, 100000, repeats);
  run<double>("f64", 1, 6400000, repeats);
  return 0;
}
