"""The base of every section of the office's config file.

Each device keeps its section's model in ``drivers/<device>/config.py``, a
module that imports only pydantic, the standard library and this file, so
that validating a config file never loads a device library.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A section of the config file: unknown keys are errors, and a loaded config never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


S = TypeVar("S", bound=Section)


def load_section(path: str | Path, name: str, model: type[S]) -> S:
    """The ``[name]`` section of the TOML file at ``path`` as ``model`` (its defaults when the file has none).

    For a driver's own check (``python -m drivers.<device> office.toml``); the
    kiosk itself reads the whole file with :func:`kiosk.config.load_config`.
    Raises OSError, ``tomllib.TOMLDecodeError`` or pydantic's ValidationError.
    """
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return model.model_validate(data.get(name, {}))
