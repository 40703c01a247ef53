"""The enterprises training knows, behind an interface a test can replace with a fake that subclasses it."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from shared.directory import EnterpriseDirectory


class KnownEnterprises(ABC):
    @abstractmethod
    def lookup(self, enterprise_id: str) -> dict[str, Any] | None:
        """The enterprise as known from registry events (with ``status``: open or closed), or None."""


class DirectoryEnterprises(KnownEnterprises):
    """The local read model the worker keeps from ``nscl.registry.events`` (shared.directory)."""

    def __init__(self, database: Any) -> None:
        self.directory = EnterpriseDirectory(database)

    def lookup(self, enterprise_id: str) -> dict[str, Any] | None:
        return self.directory.lookup(enterprise_id)
