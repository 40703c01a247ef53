"""A lease: at most one process at a time does a job (e.g. one relay per service), without transactions.

The holder renews it before it runs out; another process takes it over only once it has expired, by a
compare-and-set on the lease document. Should a paused holder wake after losing it, the two overlap only
briefly, and the job tolerates that (a relay then publishes some events twice; consumers are idempotent).
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Any

from pymongo.errors import DuplicateKeyError


class Lease(ABC):
    @abstractmethod
    def hold(self) -> bool:
        """True while this process holds the lease (taking or renewing it as needed)."""

    @abstractmethod
    def release(self) -> None: ...


class MongoLease(Lease):
    def __init__(self, collection: Any, name: str, owner: str, ttl_s: float = 10.0) -> None:
        self.collection, self.name, self.owner, self.ttl_s = collection, name, owner, ttl_s
        self._held_until = 0.0

    def hold(self) -> bool:
        now = time.time()
        if self._held_until - now > self.ttl_s / 2:
            return True
        current = self.collection.find_one({"_id": self.name})
        if current is None:
            try:
                self.collection.insert_one({"_id": self.name, "owner": self.owner, "expires_at": now + self.ttl_s})
                return self._held(now)
            except DuplicateKeyError:
                return self._lost()
        if current["owner"] != self.owner and current["expires_at"] > now:
            return self._lost()
        taken = self.collection.update_one(
            {"_id": self.name, "owner": current["owner"], "expires_at": current["expires_at"]},
            {"$set": {"owner": self.owner, "expires_at": now + self.ttl_s}})
        return self._held(now) if taken.modified_count else self._lost()

    def release(self) -> None:
        self.collection.update_one({"_id": self.name, "owner": self.owner}, {"$set": {"expires_at": 0.0}})
        self._held_until = 0.0

    def _held(self, now: float) -> bool:
        self._held_until = now + self.ttl_s
        return True

    def _lost(self) -> bool:
        self._held_until = 0.0
        return False
