"""Every command has exactly one decide handler, and every event type the engine emits one apply handler."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

from kiosk import commands, engine, state

ROOT = Path(__file__).resolve().parent.parent


def _emitted_event_types() -> set[str]:
    """The event types written as ``Event("type", ...)`` in the engine's source."""
    tree = ast.parse((ROOT / "kiosk" / "engine.py").read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Event"
        and node.args and isinstance(node.args[0], ast.Constant)
    }


def test_every_command_has_exactly_one_decide_handler():
    declared = typing.get_args(commands.Command)
    assert len(declared) == len(set(declared))
    assert set(engine.DECIDE) == set(declared)
    assert len({handler.__name__ for handler in engine.DECIDE.values()}) == len(engine.DECIDE)


def test_every_emitted_event_type_has_exactly_one_apply_handler():
    emitted = _emitted_event_types()
    assert len(emitted) > 20
    assert set(state.APPLY) == emitted
    assert len({handler.__name__ for handler in state.APPLY.values()}) == len(state.APPLY)
