"""A local KIS-compatible server for the demo, the tests and the benchmarks."""

from __future__ import annotations

from kisbot.sandbox.server import Sandbox

__all__ = ["Sandbox"]
