"""Flow graphs: partial versus total derivatives, exactly (lecture sections 3 "Chain Rule" and 4 "Flow Graphs").

A flow graph lists named variables: inputs, and nodes that are functions of named parents.  Evaluated
at a point, it answers the lecture's three kinds of question about a variable ``f`` and a variable ``v``:

- ``total(f, v)``: the total derivative df/dv, "including the contributions of all paths from v to f";
- ``partial(f, v, hold=[...])``: the lecture's partial derivative df/dv(held variables): the listed
  variables are frozen ("ignoring any dependency they otherwise would have on v") and every other
  variable between v and f varies.  ``hold=[]`` is the total derivative, ``direct(f, v)`` holds
  everything else (the lecture's "new notation": a bare partial);
- ``paths(f, v, hold)`` and ``chain_rule(f, v, hold)``: the chain rule written out as the lecture writes
  it, a list of terms (one per path, or one per child of v / parent of f) that sum to the answer.

Example (the lecture's three-node network)::

    >>> import numpy as np
    >>> from rnnlti import flowgraph as fg
    >>> g = fg.FlowGraph()
    >>> g.input("x")
    >>> g.node("h0", lambda x: np.cos(x))
    >>> g.node("h1", lambda h0, x: (h0**3 + np.sin(x)) / np.sqrt(2))
    >>> g.node("yhat", lambda h0, h1: np.sqrt(h0**2 + h1**2))
    >>> at = g.evaluate(x=0.7)
    >>> print(at.chain_rule("yhat", "x"))           # doctest: +ELLIPSIS
    dyhat/dx = dyhat/dh0 · ∂h0/∂x + dyhat/dh1 · ∂h1/∂x
    ...

Parents are read from the function's parameter names (or given as ``parents=[...]``).  Variables are
scalars or NumPy arrays; a derivative of f with respect to v is an array of shape
``f.shape + v.shape`` (the gradient when f is a scalar, a Jacobian otherwise; a float when both are
scalars).

Why dual numbers.  Each node's local partial derivatives with respect to its direct parents are
computed by forward-mode dual numbers (``rnnlti._dual``): the node's own function is run on values that
carry a tangent, through NumPy ufuncs whose derivatives are written out by hand.  That is exact to
round-off like a symbolic derivative, but needs no dependency (sympy), no hand-written derivatives from
the user, and accepts ordinary NumPy code, branches included.  One run per scalar component of the
parent gives one Jacobian column: slow for big arrays, immaterial for graphs drawn on a slide.
Everything above the local partials (holding, paths, chain rule) is exact linear algebra on them.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple, Union

import numpy as np

from ._checks import real_array
from ._dual import SUPPORTED, Dual

__all__ = [
    "ACTIVATIONS", "ChainRule", "Evaluation", "FlowGraph", "SUPPORTED", "Term",
    "dense_graph", "identity", "relu", "sigmoid",
]

Value = Union[float, np.ndarray]


def sigmoid(x: Any) -> Any:
    """g(xi) = 1 / (1 + exp(-xi)), written through tanh so that it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def relu(x: Any) -> Any:
    """g(xi) = max(xi, 0), with g'(0) = 0 as in rnnlti's kernels."""
    return np.maximum(x, 0.0)


def identity(x: Any) -> Any:
    return x


# The four activations of rnnlti, usable inside node functions: g = ACTIVATIONS["tanh"], ...
ACTIVATIONS: Dict[str, Callable[[Any], Any]] = {"tanh": np.tanh, "sigmoid": sigmoid, "relu": relu, "identity": identity}


class Term(NamedTuple):
    """One term of a chain rule: its lecture notation, its factors (in the order written) and value."""

    text: str
    factors: Tuple[Value, ...]
    value: Value

    def __str__(self) -> str:
        return f"{self.text} = {_fmt(self.value)}"


class ChainRule(NamedTuple):
    """``lhs = terms[0].text + terms[1].text + ...``, and the value they sum to."""

    lhs: str
    terms: List[Term]
    value: Value

    def __str__(self) -> str:
        rhs = " + ".join(t.text for t in self.terms) or "0"
        lines = [f"{self.lhs} = {rhs}"]
        pad = " " * len(self.lhs)
        if self.terms and np.ndim(self.value) == 0:
            numbers = _fmt(self.terms[0].value)
            for t in self.terms[1:]:
                numbers += f" - {_fmt(-t.value)}" if np.ndim(t.value) == 0 and t.value < 0 else f" + {_fmt(t.value)}"
            lines.append(f"{pad} = {numbers}")
        lines.append(f"{pad} = {_fmt(self.value)}")
        return "\n".join(lines)


def _fmt(value: Value) -> str:
    return f"{value:.6g}" if np.ndim(value) == 0 else f"<array of shape {np.shape(value)}>"


class _Variable(NamedTuple):
    name: str
    fn: Optional[Callable[..., Any]]  # None for an input
    parents: Tuple[str, ...]
    label: str  # for draw(): matplotlib mathtext allowed, e.g. r"$\hat{y}$"


class FlowGraph:
    """Named variables and the dependencies among them (the lecture's flow graph).

    Variables may be defined in any order; names are checked (unknown parents, cycles) when the graph
    is used.
    """

    def __init__(self) -> None:
        self._vars: Dict[str, _Variable] = {}

    # --- building ---
    def input(self, name: str, label: Optional[str] = None) -> None:
        """Declare an input variable: its value is given to :meth:`evaluate`."""
        self._add(_Variable(self._new_name(name), None, (), label or name))

    def node(self, name: str, fn: Callable[..., Any], parents: Optional[Sequence[str]] = None,
             label: Optional[str] = None) -> None:
        """Declare ``name = fn(*parents)``.

        ``parents`` defaults to the names of ``fn``'s parameters, so ``node("h1", lambda h0, x: ...)``
        makes h1 a function of h0 and x.  ``fn`` is ordinary NumPy code over the elementary functions
        listed in ``rnnlti.flowgraph.SUPPORTED`` (operators, ``@``, indexing, ``.sum()``, ...).
        """
        name = self._new_name(name)
        if not callable(fn):
            raise TypeError(f"fn of node {name!r} must be callable, got {type(fn).__name__}")
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):
            signature = None
        if parents is None:
            params = list(signature.parameters.values()) if signature is not None else None
            if params is None or any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
                raise ValueError(f"node {name!r}: cannot read the parents from fn's parameters; give parents=[...]")
            parents = [p.name for p in params if p.default is p.empty]
        if isinstance(parents, str) or not all(isinstance(p, str) for p in parents):
            raise TypeError(f"parents of node {name!r} must be a list of variable names, got {parents!r}")
        parents = tuple(parents)
        if not parents:
            raise ValueError(f"node {name!r} has no parents: a variable that depends on nothing is an input "
                             "(use input())")
        if len(set(parents)) != len(parents):
            raise ValueError(f"node {name!r} lists a parent twice: {parents}")
        if signature is not None:
            try:
                signature.bind(*parents)
            except TypeError:
                raise ValueError(f"node {name!r}: fn{signature} cannot be called with its {len(parents)} "
                                 f"parent(s) {parents}") from None
        self._add(_Variable(name, fn, parents, label or name))

    def _new_name(self, name: Any) -> str:
        if not isinstance(name, str) or not name:
            raise TypeError(f"a variable name must be a non-empty string, got {name!r}")
        if name in self._vars:
            raise ValueError(f"variable {name!r} is defined twice")
        return name

    def _add(self, var: _Variable) -> None:
        self._vars[var.name] = var

    # --- structure ---
    @property
    def names(self) -> List[str]:
        """All variables, inputs and nodes, in topological order (parents first)."""
        return self._order()

    @property
    def inputs(self) -> List[str]:
        return [n for n in self._order() if self._vars[n].fn is None]

    def parents(self, name: str) -> Tuple[str, ...]:
        return self._vars[self._known(name, "name")].parents

    def children(self, name: str) -> List[str]:
        self._known(name, "name")
        return self._children()[name]

    def _children(self) -> Dict[str, List[str]]:
        """Each variable's children, in topological order (validates the graph)."""
        kids: Dict[str, List[str]] = {n: [] for n in self._vars}
        for n in self._order():
            for p in self._vars[n].parents:
                kids[p].append(n)
        return kids

    def label(self, name: str) -> str:
        return self._vars[self._known(name, "name")].label

    def _known(self, name: Any, role: str) -> str:
        if not isinstance(name, str) or name not in self._vars:
            raise ValueError(f"{role}={name!r} is not a variable of the graph (variables: {', '.join(self._vars)})")
        return name

    def _order(self) -> List[str]:
        """Topological order, definition order among equals; ValueError on a missing parent or a cycle."""
        for var in self._vars.values():
            for p in var.parents:
                if p not in self._vars:
                    raise ValueError(f"node {var.name!r} has a missing parent {p!r}: no variable of that name "
                                     "(define it with input() or node())")
        order: List[str] = []
        done: Set[str] = set()
        while len(order) < len(self._vars):
            ready = [n for n, v in self._vars.items() if n not in done and all(p in done for p in v.parents)]
            if not ready:
                raise ValueError(f"the graph has a cycle: {' -> '.join(self._cycle(done))}")
            order.extend(ready)
            done.update(ready)
        return order

    def _cycle(self, done: Set[str]) -> List[str]:
        # Every variable left has a parent left, so walking up parents must come back to itself.
        walk = [next(n for n in self._vars if n not in done)]
        while walk.count(walk[-1]) < 2:
            walk.append(next(p for p in self._vars[walk[-1]].parents if p not in done))
        cycle = walk[walk.index(walk[-1]):]
        return cycle[::-1]  # in the direction of the arrows: parent -> child

    def _query(self, f: Any, v: Any, hold: Iterable[str]) -> frozenset:
        """Validate a derivative question; returns the held variables."""
        self._order()
        self._known(f, "f")
        self._known(v, "v")
        if isinstance(hold, str):
            hold = [hold]
        held = frozenset(self._known(h, "hold") for h in hold)
        if v in held:
            raise ValueError(f"hold contains v={v!r} itself: the variable being varied cannot be held constant")
        if f in held:
            raise ValueError(f"hold contains f={f!r} itself: the variable being differentiated cannot be held")
        return held

    def _varying(self, f: str, v: str, held: frozenset) -> Tuple[Set[str], Set[str]]:
        """Variables downstream of v and upstream of f, both through variables that are not held."""
        order, kids = self._order(), self._children()
        down, up = {v}, {f}
        for n in order:
            if n not in held and any(p in down for p in self._vars[n].parents):
                down.add(n)
        for n in reversed(order):
            if n not in held and any(c in up for c in kids[n]):
                up.add(n)
        return down, up

    def path_list(self, f: str, v: str, hold: Iterable[str] = ()) -> List[Tuple[str, ...]]:
        """Every directed path v -> ... -> f that passes through no held variable."""
        held = self._query(f, v, hold)
        down, up = self._varying(f, v, held)
        alive = down & up
        kids = self._children()
        found: List[Tuple[str, ...]] = []

        def walk(path: Tuple[str, ...]) -> None:
            if path[-1] == f:
                found.append(path)
                return
            for c in kids[path[-1]]:
                if c in alive:
                    walk(path + (c,))

        if v in alive:
            walk((v,))
        return found

    def contributing_edges(self, f: str, v: str, hold: Iterable[str] = ()) -> Set[Tuple[str, str]]:
        """The edges (parent, child) that lie on a path counted by ``partial(f, v, hold)``."""
        held = self._query(f, v, hold)
        down, up = self._varying(f, v, held)
        alive = down & up
        return {(p, c) for c in alive for p in self._vars[c].parents if p in alive}

    def notation(self, f: str, v: str, hold: Iterable[str] = ()) -> str:
        """The lecture's notation: "df/dv" for a total derivative, "∂f/∂v(x, v)" when x is held."""
        held = self._query(f, v, hold)
        if not held:
            return f"d{f}/d{v}"
        listed = [n for n in self._order() if n in held or n == v]
        return f"∂{f}/∂{v}({', '.join(listed)})"

    # --- evaluation ---
    def evaluate(self, values: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> "Evaluation":
        """The graph evaluated at the given inputs (a mapping and/or keyword arguments).

        A value given for a node freezes that node at it instead of computing it: the lecture's
        "hold", made concrete, so that a partial derivative can be checked by its definition (freeze,
        perturb, re-evaluate).  Derivatives at such a point still use the frozen node's function for
        its own local partials.  Inputs are not modified; values are stored as float64 arrays.
        """
        given = dict(values or {})
        given.update(kwargs)
        order = self._order()
        for name in given:
            self._known(name, "variable")
        missing = [n for n in order if self._vars[n].fn is None and n not in given]
        if missing:
            raise ValueError(f"no value given for input(s) {', '.join(map(repr, missing))}")
        out: Dict[str, np.ndarray] = {}
        for name in order:
            var = self._vars[name]
            if name in given:
                value = given[name]
            else:
                value = var.fn(*(out[p] for p in var.parents))
            if isinstance(value, Dual):
                value = value.value
            out[name] = real_array(value, f"the value of {name!r}").astype(np.float64)
        return Evaluation(self, out)

    # --- pictures ---
    def to_dot(self, f: Optional[str] = None, v: Optional[str] = None, hold: Iterable[str] = (),
               values: Optional[Mapping[str, Any]] = None) -> str:
        """Graphviz DOT text of the graph; with f and v, the held variables are drawn dashed and grey and
        the edges on contributing paths red."""
        from ._flowgraph_draw import to_dot

        return to_dot(self, f, v, hold, values)

    def draw(self, path: Any, f: Optional[str] = None, v: Optional[str] = None, hold: Iterable[str] = (),
             values: Optional[Mapping[str, Any]] = None, title: Optional[str] = None) -> Any:
        """Render the graph (and, with f and v, the question) to a PNG file with matplotlib; returns path."""
        from ._flowgraph_draw import draw

        return draw(self, path, f, v, hold, values, title)


class Evaluation(Mapping[str, Value]):
    """A flow graph evaluated at one point: its values (``at["h0"]``) and the derivatives there."""

    def __init__(self, graph: FlowGraph, values: Dict[str, np.ndarray]) -> None:
        self.graph = graph
        self._values = values
        self._local: Dict[Tuple[str, str], np.ndarray] = {}

    def __getitem__(self, name: str) -> Value:
        if name not in self._values:  # KeyError, as a Mapping must (so that .get() works)
            raise KeyError(f"{name!r} is not a variable of the graph (variables: {', '.join(self._values)})")
        return _plain(self._values[name])

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    # --- derivatives ---
    def total(self, f: str, v: str) -> Value:
        """df/dv: the derivative through every path from v to f."""
        return self.partial(f, v, hold=())

    def partial(self, f: str, v: str, hold: Iterable[str] = ()) -> Value:
        """df/dv(hold): v varies, the held variables stay frozen, every other variable follows v."""
        held = self.graph._query(f, v, hold)
        return self._shaped(self._jacobian(f, v, held), f, v)

    def direct(self, f: str, v: str) -> Value:
        """∂f/∂v with every other variable held: the local partial if v is a parent of f, else 0."""
        others = [n for n in self.graph.names if n not in (f, v)]
        return self.partial(f, v, hold=others)

    def paths(self, f: str, v: str, hold: Iterable[str] = ()) -> List[Term]:
        """One term per path from v to f avoiding held variables: the product of the direct partials
        along it, written from f back to v ("∂yhat/∂h1 · ∂h1/∂x").  The terms sum to partial(f, v, hold)."""
        terms = []
        for path in self.graph.path_list(f, v, hold):
            edges = list(zip(path[:-1], path[1:]))[::-1]  # (parent, child), from f back to v
            factors = [self._local_jacobian(c, p) for p, c in edges]
            value = np.eye(self._values[v].size)
            for factor in factors[::-1]:
                value = factor @ value
            text = " · ".join(f"∂{c}/∂{p}" for p, c in edges) if edges else f"d{f}/d{f}"
            terms.append(Term(text, tuple(self._shaped(j, c, p) for j, (p, c) in zip(factors, edges)),
                              self._shaped(value, f, v)))
        return terms

    def chain_rule(self, f: str, v: str, hold: Iterable[str] = (), form: str = "backward") -> ChainRule:
        """The chain rule one step deep, as the lecture writes it.

        ``form="backward"``: a term per child c of v, ``df/dc · ∂c/∂v`` (the total, or partial, derivative
        downstream times the direct partial: back-propagation).  ``form="forward"``: a term per parent p
        of f, ``∂f/∂p · dp/dv``.  Either way the terms sum to ``partial(f, v, hold)``.
        """
        graph = self.graph
        held = graph._query(f, v, hold)
        down, up = graph._varying(f, v, held)
        alive = down & up
        terms = []
        if form == "backward":
            # Downstream of c, v is irrelevant; the lecture lists it among the held variables anyway.
            sub = held | {v} if held else held
            for c in graph.children(v):
                if c not in alive:
                    continue
                local = self._local_jacobian(c, v)
                if c == f:
                    terms.append(self._term([f"∂{f}/∂{v}"], [local], [(f, v)]))
                else:
                    rest = self._jacobian(f, c, sub)
                    terms.append(self._term([graph.notation(f, c, sub), f"∂{c}/∂{v}"], [rest, local],
                                            [(f, c), (c, v)]))
        elif form == "forward":
            for p in graph.parents(f):
                if p not in alive:
                    continue
                local = self._local_jacobian(f, p)
                if p == v:
                    terms.append(self._term([f"∂{f}/∂{v}"], [local], [(f, v)]))
                else:
                    rest = self._jacobian(p, v, held)
                    terms.append(self._term([f"∂{f}/∂{p}", graph.notation(p, v, held)], [local, rest],
                                            [(f, p), (p, v)]))
        else:
            raise ValueError(f"form must be 'backward' or 'forward', got {form!r}")
        value = self._shaped(self._jacobian(f, v, held), f, v)
        return ChainRule(graph.notation(f, v, held), terms, value)

    # --- pictures ---
    def to_dot(self, f: Optional[str] = None, v: Optional[str] = None, hold: Iterable[str] = ()) -> str:
        return self.graph.to_dot(f, v, hold, values=self._values)

    def draw(self, path: Any, f: Optional[str] = None, v: Optional[str] = None, hold: Iterable[str] = (),
             title: Optional[str] = None) -> Any:
        """Like FlowGraph.draw, with the values written under the names and the derivative in the title."""
        if title is None and f is not None and v is not None:
            value = self.partial(f, v, hold)
            title = self.graph.notation(f, v, hold)
            title += f" = {value:.6g}" if np.ndim(value) == 0 else f"  (shape {np.shape(value)})"
        return self.graph.draw(path, f, v, hold, values=self._values, title=title)

    # --- machinery ---
    def _local_jacobian(self, child: str, parent: str) -> np.ndarray:
        """∂child/∂parent, the direct partial, as a (child.size, parent.size) matrix: one forward-mode
        dual-number run of child's function per component of parent."""
        key = (child, parent)
        if key not in self._local:
            var = self.graph._vars[child]
            args = [self._values[p] for p in var.parents]
            k = var.parents.index(parent)
            size_out = self._values[child].size
            columns = []
            for j in range(args[k].size):
                seed = np.zeros(args[k].size)
                seed[j] = 1.0
                seeded = list(args)
                seeded[k] = Dual(args[k], seed.reshape(args[k].shape))
                out = var.fn(*seeded)
                tangent = out.tangent if isinstance(out, Dual) else np.zeros(np.shape(out))
                if tangent.size != size_out:
                    raise ValueError(f"node {child!r} returned shape {np.shape(tangent)} on dual numbers but "
                                     f"{self._values[child].shape} on values")
                columns.append(tangent.reshape(-1))
            self._local[key] = np.stack(columns, axis=1) if columns else np.zeros((size_out, 0))
        return self._local[key]

    def _jacobian(self, f: str, v: str, held: frozenset) -> np.ndarray:
        """df/dv with ``held`` frozen, as a (f.size, v.size) matrix, by forward accumulation:
        dz/dv = sum over the parents p of z that vary with v of ∂z/∂p · dp/dv."""
        graph = self.graph
        d = {v: np.eye(self._values[v].size)}
        for z in graph._order():
            if z in d or z in held:
                continue
            terms = [self._local_jacobian(z, p) @ d[p] for p in graph._vars[z].parents if p in d]
            if terms:
                d[z] = sum(terms[1:], terms[0])
        return d.get(f, np.zeros((self._values[f].size, self._values[v].size)))

    def _shaped(self, jac: np.ndarray, f: str, v: str) -> Value:
        return _plain(jac.reshape(self._values[f].shape + self._values[v].shape))

    def _term(self, texts: List[str], factors: List[np.ndarray], pairs: List[Tuple[str, str]]) -> Term:
        value = factors[0]
        for factor in factors[1:]:
            value = value @ factor
        shaped = tuple(self._shaped(j, a, b) for j, (a, b) in zip(factors, pairs))
        return Term(" · ".join(texts), shaped, self._shaped(value, pairs[0][0], pairs[-1][1]))


def dense_graph(activation: str = "tanh", output_activation: Optional[str] = None) -> FlowGraph:
    """The lecture's fully-connected network (section 5) as a flow graph of vector variables.

    Inputs x (D,), W1 (N, D), b1 (N,), W2 (K, N), b2 (K,) and the target y (K,); nodes
    ``xi1 = b1 + W1 x``, ``h = g(xi1)``, ``xi2 = b2 + W2 h``, ``yhat = g(xi2)`` and
    ``L = 1/2 ||yhat - y||^2``.  ``at.total("L", "h")`` is then dL/dh of :func:`rnnlti.dense_backward`.
    """
    from ._checks import check_activation

    g = ACTIVATIONS[check_activation(activation)]
    g_out = g if output_activation is None else ACTIVATIONS[check_activation(output_activation)]
    graph = FlowGraph()
    for name, label in [("x", "$x$"), ("W1", "$W^{(1)}$"), ("b1", "$b^{(1)}$"), ("W2", "$W^{(2)}$"),
                        ("b2", "$b^{(2)}$"), ("y", "$y$")]:
        graph.input(name, label=label)
    graph.node("xi1", lambda b1, W1, x: b1 + W1 @ x, label=r"$\xi^{(1)}$")
    graph.node("h", lambda xi1: g(xi1), label="$h$")
    graph.node("xi2", lambda b2, W2, h: b2 + W2 @ h, label=r"$\xi^{(2)}$")
    graph.node("yhat", lambda xi2: g_out(xi2), label=r"$\hat{y}$")
    graph.node("L", lambda yhat, y: 0.5 * ((yhat - y) ** 2).sum(), label=r"$\mathcal{L}$")
    return graph


def _plain(x: np.ndarray) -> Value:
    return float(x) if x.ndim == 0 else x.copy()
