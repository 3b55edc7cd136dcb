"""Workflow diagrams (``graph``) through the ``transitions`` diagrams extension.

States are named ``s1 … sn`` inside the diagram (Mermaid takes only ASCII
ids without dashes) and shown by their Chinese labels; each step's edge
reads its label and who may take it (``启动整改（本单位 / 督学）``). Graphviz
output names a CJK font, or Chinese would render as boxes.
"""

from __future__ import annotations

from typing import Any

from transitions.extensions import GraphMachine

from engine.errors import RectifyError
from engine.i18n import _
from engine.model import Workflow

CJK_FONT = "WenQuanYi Micro Hei,Noto Sans CJK SC,sans-serif"
FORMATS = ("mermaid", "dot", "svg")
BUILTIN_WHO = {"owner": "本单位", "support": "配合单位", "participant": "经办人"}


class _Labelled:
    """Mixed into the engine's Graph class: labels instead of the internal names."""

    machine: Any

    def _convert_state_attributes(self, state: dict[str, Any]) -> str:
        return str(self.machine.state_labels[state["name"]])

    def _transition_label(self, transition: dict[str, Any]) -> str:
        return str(self.machine.edge_labels[(transition["trigger"], transition["source"])])


class _DiagramMachine(GraphMachine):  # type: ignore[misc]
    def __init__(self, state_labels: dict[str, str], edge_labels: dict[tuple[str, str], str], **kwargs: Any):
        self.state_labels, self.edge_labels = state_labels, edge_labels
        super().__init__(**kwargs)

    def _init_graphviz_engine(self, graph_engine: str) -> type:
        base = super()._init_graphviz_engine(graph_engine)
        return type("LabelledGraph", (_Labelled, base), {})


class _Model:
    pass


def who_may(roles: tuple[str, ...], not_by: tuple[str, ...], role_labels: dict[str, str]) -> str:
    names = [BUILTIN_WHO.get(r) or role_labels.get(r, r) for r in roles]
    text = "、".join(names) if names else "任何人"
    if not_by:
        text += "；非" + "、".join(BUILTIN_WHO.get(r) or role_labels.get(r, r) for r in not_by)
    return text


def diagram(workflow: Workflow, fmt: str, role_labels: dict[str, str], title: str = "") -> str | bytes:
    """The workflow as Mermaid text, Graphviz dot source, or SVG bytes (needs Graphviz's ``dot``)."""
    names = {state.id: f"s{n}" for n, state in enumerate(workflow.states, start=1)}
    state_labels = {names[s.id]: s.label for s in workflow.states}
    edge_labels = {
        (t.trigger, names[source]): f"{t.label}（{who_may(t.by, t.not_by, role_labels)}）"
        for t in workflow.transitions
        for source in t.sources
    }
    transitions = [
        {"trigger": t.trigger, "source": names[source], "dest": names[t.dest] if t.dest else None}
        for t in workflow.transitions
        for source in t.sources
    ]
    if fmt != "mermaid":
        _require_graphviz()
    machine = _DiagramMachine(
        state_labels,
        edge_labels,
        model=None,
        states=list(state_labels),
        transitions=transitions,
        initial=names[workflow.initial],
        auto_transitions=False,
        graph_engine="mermaid" if fmt == "mermaid" else "graphviz",
        title=title or workflow.id,
        show_state_attributes=False,
    )
    # a diagram of the workflow, not of one item: no state is drawn as the current one
    styles: Any = machine.style_attributes
    styles["node"]["active"] = dict(styles["node"]["default"])
    if fmt != "mermaid":
        machine.machine_attributes.update(fontname=CJK_FONT, rankdir="LR")
        for kind in ("node", "edge"):
            styles[kind]["default"]["fontname"] = CJK_FONT
    model = _Model()
    machine.add_model(model)
    graph = model.get_graph()  # type: ignore[attr-defined]
    finals = [names[s.id] for s in workflow.states if s.final]
    if fmt == "mermaid":
        return str(graph.draw(None)).rstrip() + "\n" + "".join(f"  {name} --> [*]\n" for name in finals)
    for name in finals:
        graph.node(name, penwidth="2.5", fillcolor="#e2f0d9")
    if fmt == "dot":
        return str(graph.source)
    return _svg(graph)


def _require_graphviz() -> None:
    try:
        import graphviz  # noqa: F401
    except ImportError:
        raise RectifyError(_("the Python graphviz package is not installed; use --format mermaid")) from None


def _svg(graph: Any) -> bytes:
    import graphviz

    try:
        return bytes(graph.pipe(format="svg"))
    except graphviz.ExecutableNotFound:
        raise RectifyError(
            _(
                "Graphviz (its 'dot' program) is not installed, so no SVG can be drawn; "
                "install it (Debian: apt-get install graphviz) or use --format mermaid"
            )
        ) from None
    except graphviz.CalledProcessError as e:
        raise RectifyError(_("Graphviz failed to draw the diagram: {reason}").format(reason=e)) from None
