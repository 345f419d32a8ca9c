"""Random flow graphs (depth up to 6, shared parents, scalar and vector variables).

Total derivatives are checked against central finite differences, partial derivatives against their
definition in the lecture: freeze the held variables, perturb v, re-evaluate everything else.  The
oracle evaluates the graph with its own loop over the test's own list of functions, not through
rnnlti.flowgraph.
"""
import numpy as np
import pytest

from rnnlti import flowgraph as fg

EPS = 1e-6
UNARY = [
    np.sin, np.cos, np.tanh, np.arctan, fg.sigmoid,
    lambda a: np.sqrt(1.0 + a * a),
    lambda a: np.exp(0.3 * a),
    lambda a: np.log(1.0 + a * a),
    lambda a: 1.0 / (1.0 + a * a),
    lambda a: 0.2 * a**3,
]


def random_graph(seed, vectors):
    """Returns (FlowGraph, spec, base input values); spec[name] = (parents, fn) or None for inputs."""
    rng = np.random.default_rng(seed)
    shapes, spec, levels = {}, {}, {}
    for i in range(rng.integers(1, 4)):
        name = f"x{i}"
        shapes[name] = (3,) if vectors and rng.random() < 0.5 else ()
        spec[name], levels[name] = None, 0
    depth = int(rng.integers(2, 7))
    count = 0
    for level in range(1, depth + 1):
        for _ in range(rng.integers(1, 3)):
            name = f"n{count}"
            count += 1
            earlier = list(spec)
            previous = [n for n in earlier if levels[n] == level - 1]
            k = int(min(len(earlier), rng.integers(1, 4)))
            parents = [previous[rng.integers(len(previous))]]
            others = [n for n in earlier if n not in parents]
            parents += list(rng.choice(others, size=min(k - 1, len(others)), replace=False))
            shape = (3,) if vectors and rng.random() < 0.5 else ()
            spec[name] = (tuple(parents), make_fn(rng, [shapes[p] for p in parents], shape))
            shapes[name], levels[name] = shape, level
    # the output: a scalar function of every variable of the last level (and one more, shared)
    last = [n for n in spec if levels[n] == depth]
    extra = [n for n in spec if n not in last]
    parents = tuple(last + [extra[rng.integers(len(extra))]])
    spec["f"] = (parents, make_fn(rng, [shapes[p] for p in parents], ()))
    g = fg.FlowGraph()
    for name, entry in spec.items():
        if entry is None:
            g.input(name)
        else:
            g.node(name, entry[1], parents=list(entry[0]))
    inputs = {n: rng.uniform(-1.0, 1.0, shapes[n]) for n, e in spec.items() if e is None}
    return g, spec, inputs


def make_fn(rng, parent_shapes, shape):
    """fn(*parents): a random unary function of a random combination of the parents, reshaped to shape."""
    mats = [rng.uniform(-1, 1, shape + s) for s in parent_shapes]  # maps each parent onto `shape`
    unary = [UNARY[i] for i in rng.integers(len(UNARY), size=len(parent_shapes))]
    outer = UNARY[rng.integers(len(UNARY))]
    multiply = rng.random() < 0.5 and len(parent_shapes) > 1

    def project(m, p):
        if np.ndim(m) == np.ndim(p) + len(shape) and np.ndim(p) > 0:
            return m @ p  # (shape..., 3) @ (3,)
        return m * p

    def fn(*parents):
        terms = [project(m, u(p)) for m, u, p in zip(mats, unary, parents)]
        acc = terms[0] * terms[1] if multiply else terms[0]
        for t in terms[(2 if multiply else 1):]:
            acc = acc + t
        return outer(acc)

    return fn


def run(spec, values, frozen=None):
    """Evaluate in definition order (topological by construction); frozen variables keep their values."""
    frozen = frozen or {}
    out = {}
    for name, entry in spec.items():
        if name in frozen:
            out[name] = np.asarray(frozen[name], dtype=float)
        elif entry is None:
            out[name] = np.asarray(values[name], dtype=float)
        else:
            out[name] = np.asarray(entry[1](*(out[p] for p in entry[0])), dtype=float)
    return out


def by_definition(spec, base, f, v, hold):
    """df/dv(hold): freeze every held variable at its base value, perturb v, re-evaluate the rest."""
    v0 = base[v]
    grad = np.zeros(np.shape(base[f]) + np.shape(v0))
    for idx in np.ndindex(*np.shape(v0)):
        vals = []
        for sign in (1, -1):
            pert = np.array(v0, dtype=float)
            pert[idx] += sign * EPS
            frozen = {h: base[h] for h in hold}
            frozen[v] = pert
            vals.append(run(spec, base, frozen)[f])
        grad[(...,) + idx] = (vals[0] - vals[1]) / (2 * EPS)
    return grad


def check(a, b):
    assert np.shape(a) == np.shape(b)
    assert np.allclose(a, b, rtol=1e-6, atol=1e-7), (a, b)


@pytest.mark.parametrize("vectors", [False, True], ids=["scalars", "vectors"])
@pytest.mark.parametrize("seed", range(12))
def test_random_graph(seed, vectors):
    g, spec, inputs = random_graph(seed, vectors)
    rng = np.random.default_rng(1000 + seed)
    base = run(spec, inputs)
    at = g.evaluate(inputs)
    for name in spec:
        assert np.allclose(at[name], base[name], rtol=1e-14, atol=1e-14)
    names = list(spec)
    for v in names[:-1]:
        # total derivative: finite differences of the whole graph (v frozen at v + eps, the rest follows)
        total = at.total("f", v)
        check(total, by_definition(spec, base, "f", v, hold=[]))
        # a random set of held variables
        candidates = [n for n in names if n not in (v, "f")]
        hold = [n for n in candidates if rng.random() < 0.4]
        partial = at.partial("f", v, hold=hold)
        check(partial, by_definition(spec, base, "f", v, hold))
        # the chain-rule decompositions are exact rearrangements of the same sum
        for terms in (at.paths("f", v, hold), at.chain_rule("f", v, hold).terms,
                      at.chain_rule("f", v, hold, form="forward").terms):
            total_of_terms = sum((t.value for t in terms), np.zeros(np.shape(partial)))
            assert np.allclose(total_of_terms, partial, rtol=1e-12, atol=1e-13)
        # holding nothing downstream is the total; holding everything else is the direct partial
        upstream = [n for n in candidates if n in names[: names.index(v)]]
        assert np.array_equal(at.partial("f", v, hold=upstream), total)
        direct = at.direct("f", v)
        if v in spec["f"][0]:
            check(direct, by_definition(spec, base, "f", v, hold=candidates))
        else:
            assert np.all(direct == 0)


def test_random_graphs_have_depth_and_shared_parents():
    """The generator really makes deep graphs with variables used by several children."""
    depths, shared = [], 0
    for seed in range(12):
        g, spec, _ = random_graph(seed, False)
        depth = {}
        for n, e in spec.items():
            depth[n] = 0 if e is None else 1 + max(depth[p] for p in e[0])
        depths.append(depth["f"])
        shared += any(len(g.children(n)) > 1 for n in spec)
    assert max(depths) >= 6 and shared >= 6
