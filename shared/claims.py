"""Unique claims without transactions: "this tax code belongs to that enterprise".

A claim is one document whose ``_id`` is the unique value, so the insert is the arbiter. The owner releases
it when it ends (an enterprise closes). A claim is taken over only when its owner is not live — it closed
without releasing (a crash), or never came to be (a crash between claim and append) — judged only after a
grace period longer than any request.
"""
from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from pymongo.errors import DuplicateKeyError

IsLive = Callable[[str], bool]
GRACE_S = 120.0


class UniqueClaims(ABC):
    @abstractmethod
    def claim(self, key: str, owner: str, is_live: IsLive) -> str | None:
        """Claims ``key`` for ``owner``; returns the live owner that holds it instead, or None."""

    @abstractmethod
    def release(self, key: str, owner: str) -> None: ...

    @abstractmethod
    def holder(self, key: str) -> str | None:
        """Who holds ``key`` (one equality lookup on the unique value), or None."""

    @staticmethod
    def _stale(holder: dict[str, Any], is_live: IsLive, now: float) -> bool:
        return now - holder["claimed_at"] > GRACE_S and not is_live(holder["owner"])


class MongoUniqueClaims(UniqueClaims):
    def __init__(self, collection: Any) -> None:
        self.collection = collection

    def claim(self, key: str, owner: str, is_live: IsLive) -> str | None:
        for _ in range(3):
            now = time.time()
            try:
                self.collection.insert_one({"_id": key, "owner": owner, "claimed_at": now})
                return None
            except DuplicateKeyError:
                holder = self.collection.find_one({"_id": key})
                if holder is None:
                    continue  # released meanwhile
                if holder["owner"] == owner:
                    return None
                if not self._stale(holder, is_live, now):
                    return holder["owner"]
                taken = self.collection.update_one({"_id": key, "owner": holder["owner"]},
                                                   {"$set": {"owner": owner, "claimed_at": now}})
                if taken.modified_count:
                    return None
        raise RuntimeError(f"could not settle the claim on {key}")

    def release(self, key: str, owner: str) -> None:
        self.collection.delete_one({"_id": key, "owner": owner})

    def holder(self, key: str) -> str | None:
        found = self.collection.find_one({"_id": key}, {"owner": 1})
        return found["owner"] if found else None


class InMemoryUniqueClaims(UniqueClaims):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.holders: dict[str, dict[str, Any]] = {}

    def claim(self, key: str, owner: str, is_live: IsLive) -> str | None:
        with self._lock:
            holder = self.holders.get(key)
            if holder and holder["owner"] != owner and not self._stale(holder, is_live, time.time()):
                return holder["owner"]
            self.holders[key] = {"owner": owner, "claimed_at": time.time()}
            return None

    def release(self, key: str, owner: str) -> None:
        with self._lock:
            if self.holders.get(key, {}).get("owner") == owner:
                del self.holders[key]

    def holder(self, key: str) -> str | None:
        with self._lock:
            return self.holders.get(key, {}).get("owner")
