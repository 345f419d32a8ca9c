"""The lecture's "Chain Rule Example" as a flow graph, shared by the flow-graph tests."""
import numpy as np

from rnnlti import flowgraph as fg


def lecture_graph():
    """h0 = cos(x), h1 = (h0^3 + sin(x)) / sqrt(2), yhat = sqrt(h0^2 + h1^2)  ("Chain Rule Example")."""
    g = fg.FlowGraph()
    g.input("x")
    g.node("h0", lambda x: np.cos(x))
    g.node("h1", lambda h0, x: (h0**3 + np.sin(x)) / np.sqrt(2))
    g.node("yhat", lambda h0, h1: np.sqrt(h0**2 + h1**2))
    return g
