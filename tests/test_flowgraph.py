"""rnnlti.flowgraph on the lecture's worked examples (sections 3 and 4), against their closed forms."""
import numpy as np
import pytest

from rnnlti import flowgraph as fg
from rnnlti._dual import Dual

from lecture_graphs import lecture_graph

XS = [-2.3, -0.4, 0.1, 0.7, 1.9]
S2 = np.sqrt(2.0)


def close(a, b, tol=1e-12):
    assert np.allclose(a, b, rtol=tol, atol=tol), (a, b)


def closed_forms(x):
    h0 = np.cos(x)
    h1 = (h0**3 + np.sin(x)) / S2
    r = np.sqrt(h0**2 + h1**2)
    dy_dh1 = h1 / r
    dy_dh0_direct = h0 / r
    dy_dh0 = h0 / r + h1 / r * (3 * h0**2 / S2)
    dy_dx = (h1 / r) * (np.cos(x) / S2) - ((h0 + 3 / S2 * h0**2 * h1) / r) * np.sin(x)
    return dict(h0=h0, h1=h1, yhat=r, dy_dh1=dy_dh1, dy_dh0_direct=dy_dh0_direct, dy_dh0=dy_dh0, dy_dx=dy_dx)


@pytest.mark.parametrize("x", XS)
def test_two_node_example(x):
    # h = cos(x), yhat = sqrt(1 + h^2): dyhat/dx = dyhat/dh dh/dx = h / sqrt(1 + h^2) * (-sin x)
    g = fg.FlowGraph()
    g.input("x")
    g.node("h", lambda x: np.cos(x))
    g.node("yhat", lambda h: np.sqrt(1 + h**2))
    at = g.evaluate(x=x)
    h = np.cos(x)
    close(at["yhat"], np.sqrt(1 + h**2))
    close(at.total("yhat", "h"), h / np.sqrt(1 + h**2))
    close(at.direct("h", "x"), -np.sin(x))
    close(at.total("yhat", "x"), h / np.sqrt(1 + h**2) * -np.sin(x))
    rule = at.chain_rule("yhat", "x")
    assert [t.text for t in rule.terms] == ["dyhat/dh · ∂h/∂x"]
    close(rule.terms[0].factors[0], h / np.sqrt(1 + h**2))
    close(rule.terms[0].factors[1], -np.sin(x))
    close(rule.value, at.total("yhat", "x"))


@pytest.mark.parametrize("x", XS)
def test_three_node_example_totals_and_partials(x):
    at = lecture_graph().evaluate(x=x)
    c = closed_forms(x)
    for name in ("h0", "h1", "yhat"):
        close(at[name], c[name])
    close(at.total("yhat", "h1"), c["dy_dh1"])  # "First, we find dyhat/dh1"
    close(at.direct("yhat", "h1"), c["dy_dh1"])
    close(at.direct("yhat", "h0"), c["dy_dh0_direct"])  # the partial, holding h1
    close(at.partial("yhat", "h0", hold=["h1"]), c["dy_dh0_direct"])
    close(at.total("yhat", "h0"), c["dy_dh0"])  # "Second, back-prop to find dyhat/dh0"
    close(at.total("yhat", "x"), c["dy_dx"])  # "Third, back-prop to find dyhat/dx"
    close(at.direct("yhat", "x"), 0.0)  # yhat is not a direct function of x
    close(at.direct("h1", "h0"), 3 * c["h0"] ** 2 / S2)
    close(at.direct("h1", "x"), np.cos(x) / S2)


@pytest.mark.parametrize("x", XS)
def test_three_node_chain_rule_terms_as_on_the_slides(x):
    at = lecture_graph().evaluate(x=x)
    c = closed_forms(x)
    # dyhat/dh0 = ∂yhat/∂h0 + dyhat/dh1 ∂h1/∂h0
    rule = at.chain_rule("yhat", "h0")
    assert rule.lhs == "dyhat/dh0"
    assert [t.text for t in rule.terms] == ["dyhat/dh1 · ∂h1/∂h0", "∂yhat/∂h0"]
    close(rule.terms[0].value, c["dy_dh1"] * 3 * c["h0"] ** 2 / S2)
    close(rule.terms[1].value, c["dy_dh0_direct"])
    # dyhat/dx = dyhat/dh1 ∂h1/∂x + dyhat/dh0 ∂h0/∂x  (∂yhat/∂x = 0 has no path, hence no term)
    rule = at.chain_rule("yhat", "x")
    assert sorted(t.text for t in rule.terms) == ["dyhat/dh0 · ∂h0/∂x", "dyhat/dh1 · ∂h1/∂x"]
    by_text = {t.text: t.value for t in rule.terms}
    close(by_text["dyhat/dh1 · ∂h1/∂x"], c["dy_dh1"] * np.cos(x) / S2)
    close(by_text["dyhat/dh0 · ∂h0/∂x"], -c["dy_dh0"] * np.sin(x))
    close(sum(by_text.values()), c["dy_dx"])
    # the other half modelled totally: dyhat/dx = sum_i ∂yhat/∂z_i dz_i/dx
    forward = at.chain_rule("yhat", "x", form="forward")
    assert [t.text for t in forward.terms] == ["∂yhat/∂h0 · dh0/dx", "∂yhat/∂h1 · dh1/dx"]
    close(forward.value, c["dy_dx"])
    # three paths from x to yhat
    paths = at.paths("yhat", "x")
    assert sorted(t.text for t in paths) == sorted(
        ["∂yhat/∂h0 · ∂h0/∂x", "∂yhat/∂h1 · ∂h1/∂h0 · ∂h0/∂x", "∂yhat/∂h1 · ∂h1/∂x"])
    close(sum(t.value for t in paths), c["dy_dx"])
    assert "dyhat/dx = " in str(rule)


@pytest.mark.parametrize("x", XS)
def test_flow_graph_slide_partial_holding_x_with_h1_free(x):
    """∂yhat/∂h0(x, h0) = ∂yhat/∂h1(x, h0, h1) ∂h1/∂h0(x, h0, h1) + ∂yhat/∂h0(x, h0, h1)."""
    g = lecture_graph()
    at = g.evaluate(x=x)
    c = closed_forms(x)
    value = at.partial("yhat", "h0", hold=["x"])
    close(value, c["dy_dh1"] * 3 * c["h0"] ** 2 / S2 + c["dy_dh0_direct"])
    close(value, c["dy_dh0"])  # x is upstream of h0: holding it changes nothing here
    rule = at.chain_rule("yhat", "h0", hold=["x"])
    assert rule.lhs == "∂yhat/∂h0(x, h0)" == g.notation("yhat", "h0", ["x"])
    assert [t.text for t in rule.terms] == ["∂yhat/∂h1(x, h0, h1) · ∂h1/∂h0", "∂yhat/∂h0"]
    close(rule.terms[0].value, c["dy_dh1"] * 3 * c["h0"] ** 2 / S2)
    close(rule.terms[1].value, c["dy_dh0_direct"])
    # Holding h0 instead cuts two of the three paths from x.
    close(at.partial("yhat", "x", hold=["h0"]), c["dy_dh1"] * np.cos(x) / S2)
    close(at.partial("yhat", "x", hold=["h1"]), -c["dy_dh0_direct"] * np.sin(x))
    close(at.partial("yhat", "x", hold=["h0", "h1"]), 0.0)
    assert [t.text for t in at.paths("yhat", "x", hold=["h0"])] == ["∂yhat/∂h1 · ∂h1/∂x"]


def test_notation():
    g = lecture_graph()
    assert g.notation("yhat", "x") == "dyhat/dx"
    assert g.notation("yhat", "h0", ["h1", "x"]) == "∂yhat/∂h0(x, h0, h1)"


def test_vector_variables_jacobians_and_gradients(rng):
    A = rng.standard_normal((3, 4))
    g = fg.FlowGraph()
    g.input("v")
    g.node("z", lambda v: np.tanh(A @ v))
    g.node("s", lambda z, v: (z**2).sum() + v[0] * z[1])
    v = rng.standard_normal(4)
    at = g.evaluate(v=v)
    z = np.tanh(A @ v)
    J = (1 - z**2)[:, None] * A  # dz/dv, shape (3, 4)
    close(at.total("z", "v"), J)
    grad_direct = np.zeros(4)
    grad_direct[0] = z[1]
    close(at.direct("s", "v"), grad_direct)
    dz = 2 * z
    dz[1] += v[0]
    close(at.direct("s", "z"), dz)
    close(at.total("s", "v"), grad_direct + dz @ J)
    assert np.shape(at.total("s", "v")) == (4,)
    assert sum(t.value for t in at.paths("s", "v")).shape == (4,)
    close(sum(t.value for t in at.paths("s", "v")), at.total("s", "v"))
    close(at.chain_rule("s", "v", form="forward").value, at.total("s", "v"))


def test_total_of_a_variable_with_respect_to_itself_and_unrelated_ones():
    g = lecture_graph()
    at = g.evaluate(x=0.3)
    assert at.total("h1", "h1") == 1.0
    assert at.total("h0", "h1") == 0.0  # h1 is downstream of h0
    assert at.paths("h0", "h1") == []


def test_elementary_functions_exact(rng):
    """Every rule of the dual-number table against its derivative written independently."""
    x0, y0 = 0.37, 1.3
    unary = {
        np.negative: -1.0, np.absolute: 1.0, np.square: 2 * x0, np.sqrt: 0.5 / np.sqrt(x0), np.exp: np.exp(x0),
        np.log: 1 / x0, np.sin: np.cos(x0), np.cos: -np.sin(x0), np.tan: 1 + np.tan(x0) ** 2,
        np.tanh: 1 - np.tanh(x0) ** 2, np.arctan: 1 / (1 + x0**2),
    }
    for fn, deriv in unary.items():
        close(fn(Dual(x0, 1.0)).tangent, deriv)
    binary = {  # (d/dx, d/dy)
        np.add: (1, 1), np.subtract: (1, -1), np.multiply: (y0, x0), np.true_divide: (1 / y0, -x0 / y0**2),
        np.power: (y0 * x0 ** (y0 - 1), x0**y0 * np.log(x0)), np.maximum: (0, 1), np.minimum: (1, 0),
    }
    for fn, (dx, dy) in binary.items():
        close(fn(Dual(x0, 1.0), y0).tangent, dx)
        close(fn(x0, Dual(y0, 1.0)).tangent, dy)
    close(fg.sigmoid(Dual(x0, 1.0)).tangent, np.exp(-x0) / (1 + np.exp(-x0)) ** 2)
    assert fg.relu(Dual(0.0, 1.0)).tangent == 0.0 and fg.relu(Dual(0.5, 1.0)).tangent == 1.0
    close((Dual(-2.0, 1.0) ** 2).tangent, -4.0)  # a negative base with a constant exponent: no log(-2)
    M = rng.standard_normal((2, 3))
    u = rng.standard_normal(3)
    du = rng.standard_normal(3)
    close((M @ Dual(u, du)).tangent, M @ du)
    close(np.dot(Dual(M, M), u).tangent, M @ u)
    close(np.sum(Dual(u, du)).tangent, du.sum())
    close(np.outer(Dual(u, du), u).tangent, np.outer(du, u))
    with pytest.raises(TypeError, match="sinh"):
        np.sinh(Dual(x0, 1.0))
    with pytest.raises(TypeError, match="float"):
        float(Dual(x0, 1.0))


def test_to_dot_marks_held_and_contributing():
    g = lecture_graph()
    dot = g.to_dot("yhat", "x", hold=["h0"])
    assert dot.startswith("digraph flowgraph {") and dot.rstrip().endswith("}")
    assert '"x" -> "h1" [color="red", penwidth=2.5];' in dot
    assert '"h1" -> "yhat" [color="red", penwidth=2.5];' in dot
    assert '"x" -> "h0" [color="grey", style="dashed"];' in dot
    assert '"h0" -> "yhat" [color="grey", style="dashed"];' in dot
    held_line = next(line for line in dot.splitlines() if line.strip().startswith('"h0" ['))
    assert "dashed" in held_line and "lightgrey" in held_line
    assert 'label="∂yhat/∂x(x, h0)"' in dot
    plain = g.to_dot()
    assert "red" not in plain and plain.count("->") == 5
    with_values = g.evaluate(x=0.0).to_dot("yhat", "h0")
    assert 'label="h0\\n1"' in with_values  # cos(0) = 1, on a second line


def test_draw_writes_a_png(tmp_path):
    g = lecture_graph()
    path = g.evaluate(x=0.7).draw(tmp_path / "q.png", "yhat", "h0", hold=["x"])
    data = (tmp_path / "q.png").read_bytes()
    assert path == tmp_path / "q.png" and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    g.draw(tmp_path / "plain.png")
    fg.dense_graph().draw(tmp_path / "dense.png", "L", "W1")
    assert (tmp_path / "plain.png").stat().st_size > 2000 and (tmp_path / "dense.png").stat().st_size > 5000


def test_evaluate_does_not_mutate_and_freezes_given_nodes(rng):
    g = lecture_graph()
    x = np.array(0.7)
    before = x.copy()
    at = g.evaluate({"x": x}, h0=0.25)  # h0 frozen: the forward pass uses 0.25, not cos(x)
    assert np.array_equal(x, before)
    close(at["h1"], (0.25**3 + np.sin(0.7)) / S2)
    assert "h1" in at and "q" not in at and len(at) == 4 and list(at) == ["x", "h0", "h1", "yhat"]
