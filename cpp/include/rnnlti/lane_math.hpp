// exp, tanh and sigmoid written so that a loop over SIMD lanes vectorises: no calls into libm
// (std::tanh and std::exp do not vectorise without -ffast-math), no branches, only selects.  Cephes'
// range reductions and polynomials; measured against std::tanh / std::exp within 2 ulp (tests/
// test_nonlinear_fir.py checks nonlinear_fir([1], x) == tanh(x) to a few ulp).  NaN propagates,
// +-inf saturate as in libm.
#pragma once

#include <cstdint>
#include <cstring>

#include "activation.hpp"

namespace rnnlti {
namespace lane {

template <class To, class From>
inline To bit_cast(From v) {
  static_assert(sizeof(To) == sizeof(From));
  To t;
  std::memcpy(&t, &v, sizeof(To));
  return t;
}

// 2^n for an integral n in [-1075, 1024] given as a floating-point number, as two factors so that
// neither overflows nor underflows before the product.
inline double pow2(double n) {
  const std::int64_t i = std::int64_t(n);
  const std::int64_t i1 = i >> 1, i2 = i - i1;
  return bit_cast<double>((i1 + 1023) << 52) * bit_cast<double>((i2 + 1023) << 52);
}
inline float pow2(float n) {
  const std::int32_t i = std::int32_t(n);
  const std::int32_t i1 = i >> 1, i2 = i - i1;
  return bit_cast<float>((i1 + 127) << 23) * bit_cast<float>((i2 + 127) << 23);
}

inline double exp(double x) {
  x = x > 709.782712893384 ? 709.782712893384 : x;
  x = x < -745.2 ? -745.2 : x;
  // n = round(x / ln 2) by the 1.5 * 2^52 trick (vectorises, unlike nearbyint).
  const double shift = 6755399441055744.0;
  const double n = (x * 1.4426950408889634 + shift) - shift;
  double r = x - n * 6.93145751953125e-1;
  r = r - n * 1.42860682030941723212e-6;
  // exp(r) on |r| <= ln2/2 by its Taylor series to degree 13 (truncation below 1e-17).
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // NaN x: p is NaN already; keep NaN out of pow2's integer conversion (undefined behaviour).
  return p * pow2(n == n ? n : 0.0);
}

inline float exp(float x) {
  x = x > 88.7228391f ? 88.7228391f : x;
  x = x < -103.972f ? -103.972f : x;
  const float shift = 12582912.0f;  // 1.5 * 2^23
  const float n = (x * 1.44269504088896341f + shift) - shift;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * pow2(n == n ? n : 0.0f);  // NaN x: as in the double version
}

// Cephes tanh: x + x^3 P(x^2)/Q(x^2) for |x| <= 0.625, else 1 - 2/(exp(2|x|) + 1); one division
// shared by both branches.
inline double tanh(double x) {
  const double ax = x < 0 ? -x : x;
  const bool large = ax > 0.625;
  const double s = x * x;
  const double p = (-9.64399179425052238628e-1 * s - 9.92877231001918586564e1) * s - 1.61468768441708447952e3;
  const double q = ((s + 1.12811678491632931402e2) * s + 2.23548839060100448583e3) * s + 4.84406305325125486048e3;
  const double e = lane::exp(2.0 * (ax < 22.0 ? ax : 22.0));  // tanh(22) rounds to 1
  const double d = (large ? 2.0 : p) / (large ? e + 1.0 : q);
  const double big = 1.0 - d;
  return large ? (x < 0 ? -big : big) : (x == 0 ? x : x + x * s * d);  // keeps -0.0
}

inline float tanh(float x) {
  const float ax = x < 0 ? -x : x;
  const float s = x * x;
  const float small =
      ((((-5.70498872745e-3f * s + 2.06390887954e-2f) * s - 5.37397155531e-2f) * s + 1.33314422036e-1f) * s -
       3.33332819422e-1f) * s * x + x;
  const float e = lane::exp(2.0f * (ax < 10.0f ? ax : 10.0f));  // tanhf(10) rounds to 1
  const float big = 1.0f - 2.0f / (e + 1.0f);
  return ax > 0.625f ? (x < 0 ? -big : big) : (x == 0 ? x : small);  // keeps -0.0
}

// 1/(1+exp(-x)) as e/(1+e) with e = exp(-|x|) <= 1: accurate in both tails, one exp.
template <class T>
inline T sigmoid(T x) {
  const T e = lane::exp(x < 0 ? x : -x);
  return (x < 0 ? e : T(1)) / (T(1) + e);
}

// g(xi) for the activations of activation.hpp, vectorisable.
template <Activation A, class T>
inline T activate(T xi) {
  if constexpr (A == Activation::Tanh) return lane::tanh(xi);
  else if constexpr (A == Activation::Sigmoid) return lane::sigmoid(xi);
  else if constexpr (A == Activation::Relu) return xi > T(0) ? xi : (xi == xi ? T(0) : xi);  // NaN stays NaN
  else return xi;
}

}  // namespace lane
}  // namespace rnnlti
