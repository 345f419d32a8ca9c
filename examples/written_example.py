"""The lecture's written example, end to end.

The slide: h[t] is a vector, and

    h[t] = tanh(U x[t] + V1 h[t-1] + V2 h[t-2]),        L = 1/2 sum_t ||y - W h[t]||^2,

with U (N x D), W (K x N), V1 and V2 (N x N).  Find an algorithm to compute grad_{h[t]} L.

Derivation.  L depends on h[t] directly, through the term 1/2 ||y - W h[t]||^2, and indirectly,
through h[t+1] (h[t] enters xi[t+1] = U x[t+1] + V1 h[t] + V2 h[t-1]) and h[t+2] (h[t] enters
xi[t+2] through V2).  The lecture's two steps:

1. Synchronous backprop: the partial derivative, every other variable held constant,

       dL/dh[t] (partial) = -W^T (y - W h[t]).

2. Back-propagation through time: the total derivative is the partial plus the paths through the
   states that h[t] feeds, each the total derivative there times a direct (partial) Jacobian:

       grad_{h[t]} L = dL/dh[t] (partial) + (dh[t+1]/dh[t])^T grad_{h[t+1]} L + (dh[t+2]/dh[t])^T grad_{h[t+2]} L,

   with dh[t+m]/dh[t] = diag(g'(xi[t+m])) V_m and g'(xi) = 1 - tanh(xi)^2 = 1 - h^2, so

       grad_{h[t]} L = -W^T (y - W h[t]) + V1^T ((1 - h[t+1]^2) * grad_{h[t+1]} L)
                                         + V2^T ((1 - h[t+2]^2) * grad_{h[t+2]} L),

   computed for t = T-1 down to 0 (terms beyond T-1 are zero).  The weight gradients follow:
   dL/dV_m = sum_t dxi[t] h[t-m]^T and dL/dU = sum_t dxi[t] x[t]^T with dxi[t] = (1 - h[t]^2) * grad_{h[t]} L.

rnnlti computes step 1 with `readout_loss` and step 2 with `rnn_backward` (V = [V1, V2]).  This script
prints grad_{h[t]} L next to central finite differences of L, where h[t] is nudged and the recursion
continues from the nudged state (the total derivative), and next to the reference loops.
"""
import numpy as np

import rnnlti
from rnnlti import reference


def loss_with_state(x, U, V1, V2, W, y, t, h_t):
    """L when h[t] is replaced by h_t and the states after t follow from it."""
    T, N = len(x), U.shape[0]
    h = np.zeros((T, N))
    for s in range(T):
        h_1 = h[s - 1] if s >= 1 else np.zeros(N)
        h_2 = h[s - 2] if s >= 2 else np.zeros(N)
        h[s] = h_t if s == t else np.tanh(U @ x[s] + V1 @ h_1 + V2 @ h_2)
    return 0.5 * sum(np.sum((y - W @ h[s]) ** 2) for s in range(T))


def main() -> None:
    rng = np.random.default_rng(0)
    T, D, N, K = 6, 3, 4, 2
    x = rng.standard_normal((T, D))
    U = 0.7 * rng.standard_normal((N, D))
    V1 = 0.5 * rng.standard_normal((N, N))
    V2 = 0.5 * rng.standard_normal((N, N))
    W = rng.standard_normal((K, N))
    y = rng.standard_normal(K)  # one target for every t, as on the slide

    h = rnnlti.rnn_forward(x, U, [V1, V2])  # h[t] = tanh(U x[t] + V1 h[t-1] + V2 h[t-2])
    readout = rnnlti.readout_loss(h, W, y)  # L and the partials -W^T (y - W h[t])
    grads = rnnlti.rnn_backward(x, h, U, [V1, V2], readout.dh)  # BPTT: the totals grad_{h[t]} L

    eps = 1e-6
    fd = np.zeros_like(h)
    for t in range(T):
        for i in range(N):
            d = np.zeros(N)
            d[i] = eps
            fd[t, i] = (loss_with_state(x, U, V1, V2, W, y, t, h[t] + d)
                        - loss_with_state(x, U, V1, V2, W, y, t, h[t] - d)) / (2 * eps)
    _, L_ref, grad_ref = reference.written_example(x, U, V1, V2, W, y)

    np.set_printoptions(precision=6, suppress=True, linewidth=120)
    print(f"L = {readout.loss:.10f}   (reference loops: {L_ref:.10f})")
    print("t   grad_{h[t]} L (rnnlti)                      finite differences")
    for t in range(T):
        print(f"{t}   {np.array2string(grads.dh[t])}   {np.array2string(fd[t])}")
    print(f"max |difference| vs finite differences: {np.max(np.abs(grads.dh - fd)):.2e}")
    print(f"max |difference| vs the reference loops: {np.max(np.abs(grads.dh - grad_ref)):.2e}")
    print("partial dL/dh[t] (synchronous backprop) at the last step equals the total there:",
          np.allclose(readout.dh[-1], grads.dh[-1]))


if __name__ == "__main__":
    main()
