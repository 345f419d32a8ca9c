"""Bad input to rnnlti.flowgraph: a clear exception naming the culprit, never a wrong answer."""
import numpy as np
import pytest

from rnnlti import flowgraph as fg

from lecture_graphs import lecture_graph


def cycle_graph():
    g = fg.FlowGraph()
    g.input("x")
    g.node("a", lambda x, c: x + c)
    g.node("b", lambda a: np.sin(a))
    g.node("c", lambda b: np.cos(b))
    return g


def self_loop():
    g = fg.FlowGraph()
    g.node("a", lambda a: a)
    return g


def missing_parent():
    g = fg.FlowGraph()
    g.input("x")
    g.node("h1", lambda h0, x: h0 * x)  # h0 is never defined
    return g


def add_node(*args, **kwargs):
    g = lecture_graph()
    g.node(*args, **kwargs)
    return g


AT = lecture_graph().evaluate(x=0.5)

CASES = [
    # cycles
    ("cycle of three", lambda: cycle_graph().evaluate(x=1.0), ValueError, "cycle: a -> b -> c -> a"),
    ("cycle found by total", lambda: cycle_graph().to_dot(), ValueError, "cycle"),
    ("self loop", lambda: self_loop().evaluate(), ValueError, "cycle: a -> a"),
    # unknown names
    ("unknown f", lambda: AT.total("y", "x"), ValueError, "f='y'"),
    ("unknown v", lambda: AT.partial("yhat", "z"), ValueError, "v='z'"),
    ("unknown held", lambda: AT.partial("yhat", "x", hold=["h2"]), ValueError, "hold='h2'"),
    ("unknown value", lambda: lecture_graph().evaluate(x=1.0, z=2.0), ValueError, "'z'"),
    ("unknown name in children", lambda: lecture_graph().children("q"), ValueError, "'q'"),
    ("unknown value lookup", lambda: AT["q"], KeyError, "'q'"),
    # holding the variable itself (or the function)
    ("hold v", lambda: AT.partial("yhat", "h0", hold=["x", "h0"]), ValueError, "v='h0' itself"),
    ("hold v as a string", lambda: AT.partial("yhat", "h0", hold="h0"), ValueError, "v='h0' itself"),
    ("hold f", lambda: AT.partial("yhat", "h0", hold=["yhat"]), ValueError, "f='yhat' itself"),
    ("hold v in chain rule", lambda: AT.chain_rule("yhat", "x", hold=["x"]), ValueError, "itself"),
    ("hold v in paths", lambda: AT.paths("yhat", "x", hold=["x"]), ValueError, "itself"),
    ("hold v in to_dot", lambda: lecture_graph().to_dot("yhat", "x", hold=["x"]), ValueError, "itself"),
    # missing parents
    ("missing parent", lambda: missing_parent().evaluate(x=1.0), ValueError, "missing parent 'h0'"),
    ("missing parent in to_dot", lambda: missing_parent().to_dot(), ValueError, "'h0'"),
    ("no parents", lambda: add_node("c", lambda: 1.0), ValueError, "'c' has no parents"),
    ("too few parents", lambda: add_node("c", lambda a, b: a + b, parents=["x"]), ValueError, "'c'"),
    ("too many parents", lambda: add_node("c", lambda a: a, parents=["x", "h0"]), ValueError, "'c'"),
    ("parent listed twice", lambda: add_node("c", lambda a, b: a + b, parents=["x", "x"]), ValueError, "twice"),
    ("parents not readable", lambda: add_node("c", lambda *a: a[0]), ValueError, "parents="),
    ("missing input value", lambda: lecture_graph().evaluate(), ValueError, "'x'"),
    # other misuse
    ("duplicate name", lambda: add_node("h0", lambda x: x), ValueError, "'h0' is defined twice"),
    ("empty name", lambda: fg.FlowGraph().input(""), TypeError, "name"),
    ("fn not callable", lambda: add_node("c", 3.0, parents=["x"]), TypeError, "'c'"),
    ("parents a string", lambda: add_node("c", lambda x: x, parents="x"), TypeError, "'c'"),
    ("bad form", lambda: AT.chain_rule("yhat", "x", form="sideways"), ValueError, "form"),
    ("draw f without v", lambda: lecture_graph().to_dot("yhat"), ValueError, "both f and v"),
    ("hold without a question", lambda: lecture_graph().to_dot(hold=["x"]), ValueError, "hold"),
    ("draw an empty graph", lambda: fg.FlowGraph().draw("never-written.png"), ValueError, "no variables"),
    ("complex value", lambda: lecture_graph().evaluate(x=1j), TypeError, "'x'"),
    ("complex node", lambda: add_node("c", lambda x: x * 1j).evaluate(x=1.0), TypeError, "'c'"),
    ("unsupported function", lambda: add_node("c", lambda x: np.sinh(x)).evaluate(x=1.0).total("c", "x"),
     TypeError, "np.sinh"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case):
    _, call, exc, word = case
    with pytest.raises(exc) as info:
        call()
    assert word in str(info.value)
