// The four activations g and their derivatives g'(xi), the latter computed from h = g(xi) itself so
// that backward passes never need the excitation xi.
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace rnnlti {

enum class Activation { Tanh, Sigmoid, Relu, Identity };

inline Activation activation_from_name(const std::string& name) {
  if (name == "tanh") return Activation::Tanh;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "relu") return Activation::Relu;
  if (name == "identity") return Activation::Identity;
  throw std::invalid_argument("activation must be one of 'tanh', 'sigmoid', 'relu', 'identity', got '" +
                              name + "'");
}

template <Activation A, class T>
inline T activate(T xi) {
  if constexpr (A == Activation::Tanh) return std::tanh(xi);
  else if constexpr (A == Activation::Sigmoid) return T(1) / (T(1) + std::exp(-xi));
  else if constexpr (A == Activation::Relu) return xi > T(0) ? xi : (xi == xi ? T(0) : xi);  // NaN stays NaN
  else return xi;
}

// g'(xi) written in terms of h = g(xi).
template <Activation A, class T>
inline T derivative_from_output(T h) {
  if constexpr (A == Activation::Tanh) return T(1) - h * h;
  else if constexpr (A == Activation::Sigmoid) return h * (T(1) - h);
  else if constexpr (A == Activation::Relu) return h > T(0) ? T(1) : T(0);
  else return T(1);
}

template <Activation A>
using ActivationTag = std::integral_constant<Activation, A>;

// Calls f(ActivationTag<A>{}) with the activation as a compile-time constant; in a generic lambda
// `[&](auto tag) { constexpr Activation A = decltype(tag)::value; ... }`.
template <class F>
decltype(auto) dispatch_activation(Activation a, F&& f) {
  switch (a) {
    case Activation::Tanh: return f(ActivationTag<Activation::Tanh>{});
    case Activation::Sigmoid: return f(ActivationTag<Activation::Sigmoid>{});
    case Activation::Relu: return f(ActivationTag<Activation::Relu>{});
    default: return f(ActivationTag<Activation::Identity>{});
  }
}

}  // namespace rnnlti
