"""The enterprises support knows, from registry events (shared.directory), behind an interface a test can fake."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from shared.directory import EnterpriseDirectory


class KnownEnterprises(ABC):
    @abstractmethod
    def lookup(self, enterprise_id: str) -> dict[str, Any] | None:
        """The enterprise as the registry's events described it (``status`` 'open' or 'closed'), or None."""


class DirectoryEnterprises(KnownEnterprises):
    def __init__(self, directory: EnterpriseDirectory) -> None:
        self.directory = directory

    def lookup(self, enterprise_id: str) -> dict[str, Any] | None:
        return self.directory.lookup(enterprise_id)
