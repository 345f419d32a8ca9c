"""Pictures of a flow graph: Graphviz DOT text, and a PNG drawn by matplotlib (no system Graphviz).

With a question (f, v, hold) the picture shows what the derivative counts: v and f outlined in colour,
held variables grey and dashed, the edges on contributing paths thick and red, all other edges grey.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Tuple

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .flowgraph import FlowGraph

V_COLOUR, F_COLOUR, PATH_COLOUR, HELD_FILL = "tab:blue", "tab:red", "tab:red", "0.82"


def _question(graph: "FlowGraph", f: Optional[str], v: Optional[str], hold: Iterable[str]):
    """(held variables, contributing edges), or (empty, None) when no question is asked."""
    if f is None and v is None:
        if list(hold):
            raise ValueError("hold needs f and v")
        return frozenset(), None
    if f is None or v is None:
        raise ValueError("give both f and v (or neither)")
    held = graph._query(f, v, hold)
    return held, graph.contributing_edges(f, v, held)


def _value_text(value: Any) -> str:
    value = np.asarray(value)
    if value.ndim == 0:
        return f"{float(value):.4g}"
    return {1: "vector ({})", 2: "matrix ({})"}.get(value.ndim, "array ({})").format("×".join(map(str, value.shape)))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'


def to_dot(graph: "FlowGraph", f: Optional[str], v: Optional[str], hold: Iterable[str],
           values: Optional[Mapping[str, Any]]) -> str:
    held, edges = _question(graph, f, v, hold)
    lines = ["digraph flowgraph {", "  rankdir=LR;", '  node [shape=circle, fontname="Helvetica"];']
    if edges is not None:
        lines.append(f'  label={_quote(graph.notation(f, v, held))}; labelloc=t;')
    for name in graph.names:
        text = _escape(name) if values is None else f"{_escape(name)}\\n{_value_text(values[name])}"
        attrs = [f'label="{text}"']  # \\n: a line break in DOT
        if name in held:
            attrs += ['style="dashed,filled"', 'fillcolor="lightgrey"', 'xlabel="held"']
        if name == v:
            attrs += ['color="blue"', "penwidth=2.5"]
        if name == f:
            attrs += ['color="red"', "penwidth=2.5", "shape=doublecircle"]
        lines.append(f"  {_quote(name)} [{', '.join(attrs)}];")
    for child in graph.names:
        for parent in graph.parents(child):
            if edges is None:
                style = ""
            elif (parent, child) in edges:
                style = ' [color="red", penwidth=2.5]'
            else:
                style = ' [color="grey", style="dashed"]'
            lines.append(f"  {_quote(parent)} -> {_quote(child)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _layout(graph: "FlowGraph") -> Dict[str, Tuple[float, float]]:
    """Columns by depth (an input sits just left of its first consumer), rows centred in each column."""
    names = graph.names
    kids = graph._children()
    depth: Dict[str, int] = {}
    for n in names:
        parents = graph.parents(n)
        depth[n] = 1 + max(depth[p] for p in parents) if parents else 0
    for n in names:
        if not graph.parents(n) and kids[n]:
            depth[n] = min(depth[c] for c in kids[n]) - 1
    columns: Dict[int, List[str]] = {}
    for n in names:
        columns.setdefault(depth[n], []).append(n)
    pos = {}
    for d, members in columns.items():
        for i, n in enumerate(members):
            pos[n] = (1.9 * d, 1.3 * ((len(members) - 1) / 2 - i))
    return pos


def draw(graph: "FlowGraph", path: Any, f: Optional[str], v: Optional[str], hold: Iterable[str],
         values: Optional[Mapping[str, Any]], title: Optional[str]) -> Any:
    # matplotlib is imported here only: the rest of rnnlti does not need it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, FancyArrowPatch, Patch

    held, edges = _question(graph, f, v, hold)
    if not graph.names:
        raise ValueError("the graph has no variables to draw")
    if title is None and edges is not None:
        title = graph.notation(f, v, held)
    pos = _layout(graph)
    xs, ys = zip(*pos.values())
    width, height = max(xs) - min(xs) + 1.6, max(ys) - min(ys) + 1.8
    fig = Figure(figsize=(max(4.0, 1.15 * width), max(2.6, 1.15 * height + 0.8)))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    radius = 0.36
    circles = {}
    for name, (x, y) in pos.items():
        edge, lw, style = "black", 1.2, "solid"
        if name in held:
            style = "dashed"
        if name == v:
            edge, lw = V_COLOUR, 2.8
        if name == f:
            edge, lw = F_COLOUR, 2.8
        circle = Circle((x, y), radius, facecolor=HELD_FILL if name in held else "white", edgecolor=edge,
                        linewidth=lw, linestyle=style, zorder=3)
        ax.add_patch(circle)
        circles[name] = circle
        ax.text(x, y, graph.label(name), ha="center", va="center", fontsize=13, zorder=4)
        if values is not None:
            ax.text(x, y - radius - 0.12, _value_text(values[name]), ha="center", va="top", fontsize=9,
                    color="0.25", zorder=4)
    for child in graph.names:
        for parent in graph.parents(child):
            (x0, _), (x1, _) = pos[parent], pos[child]
            span = round(abs(x1 - x0) / 1.9)
            # An edge that skips a column would run through the nodes in between: bend it.
            rad = 0.0 if span <= 1 else (0.35 if int(round(x0 / 1.9)) % 2 == 0 else -0.35)
            on_path = edges is not None and (parent, child) in edges
            colour = PATH_COLOUR if on_path else ("black" if edges is None else "0.6")
            ax.add_patch(FancyArrowPatch(
                pos[parent], pos[child], patchA=circles[parent], patchB=circles[child],
                arrowstyle="-|>", mutation_scale=16, connectionstyle=f"arc3,rad={rad}",
                color=colour, linewidth=2.6 if on_path else 1.2, zorder=2))
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=13)
    if edges is not None:
        handles = [
            Line2D([], [], marker="o", markersize=11, markerfacecolor="white", markeredgecolor=V_COLOUR,
                   markeredgewidth=2.5, linestyle="none", label=f"v = {v} (varied)"),
            Line2D([], [], marker="o", markersize=11, markerfacecolor="white", markeredgecolor=F_COLOUR,
                   markeredgewidth=2.5, linestyle="none", label=f"f = {f}"),
            Patch(facecolor=HELD_FILL, edgecolor="black", linestyle="dashed", label="held constant"),
            Line2D([], [], color=PATH_COLOUR, linewidth=2.6, label="contributing path"),
        ]
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, frameon=False,
                  fontsize=9)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    return path
