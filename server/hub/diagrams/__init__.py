"""Mermaid and PlantUML diagrams: where they are in a document (:mod:`.blocks`), who draws
them (:mod:`.render`: a local PlantUML or Mermaid CLI, or a Kroki server), the cache of
drawings (:mod:`.service`), and their syntax errors by line (:mod:`.syntax`)."""

from __future__ import annotations

from .blocks import Block, Kind, find_blocks, kind_of_file
from .render import FORMATS, Format, Kroki, LocalMermaid, LocalPlantUML, RenderFailed
from .service import Diagrams, Drawing
from .syntax import DiagramSyntaxError, Problem

__all__ = [
    "FORMATS",
    "Block",
    "DiagramSyntaxError",
    "Diagrams",
    "Drawing",
    "Format",
    "Kind",
    "Kroki",
    "LocalMermaid",
    "LocalPlantUML",
    "Problem",
    "RenderFailed",
    "find_blocks",
    "kind_of_file",
]
