"""A lease: at most one process at a time does a job (e.g. one relay per service), without transactions.

The holder renews it before it runs out; another process takes it over only once it has expired, by a
compare-and-set on the lease document. Each takeover increments the lease's *epoch* (a fencing token): a holder
that was paused past its lease and wakes up finds, when it ``confirm``s before acting, that the epoch moved on,
and whatever it writes under its old epoch (a relay's checkpoint, a compare-and-set on the epoch) is refused.
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Any

from pymongo.errors import DuplicateKeyError


class Lease(ABC):
    epoch: int | None = None  # of this holder's tenure; None while it holds nothing

    @abstractmethod
    def hold(self) -> bool:
        """True while this process holds the lease (taking or renewing it as needed)."""

    def confirm(self) -> bool:
        """Still held, at the same epoch, as the lease's store says now (no cached answer)? Asked before an
        irrevocable step. A lease without epochs can only say whether it holds."""
        return self.hold()

    @abstractmethod
    def release(self) -> None: ...


class MongoLease(Lease):
    def __init__(self, collection: Any, name: str, owner: str, ttl_s: float = 10.0) -> None:
        self.collection, self.name, self.owner, self.ttl_s = collection, name, owner, ttl_s
        self._held_until = 0.0
        self.epoch: int | None = None

    def hold(self) -> bool:
        now = time.time()
        if self._held_until - now > self.ttl_s / 2:
            return True
        return self._hold(now)

    def confirm(self) -> bool:
        """One round trip while the lease is this holder's and unexpired: renewed only if the store still names
        this owner at this epoch. Otherwise the full check, which may renew an expired lease nobody took."""
        epoch, now = self.epoch, time.time()
        if epoch is None:
            return False
        renewed = self.collection.update_one(
            {"_id": self.name, "owner": self.owner, "epoch": epoch, "expires_at": {"$gt": now}},
            {"$set": {"expires_at": now + self.ttl_s}})
        if renewed.modified_count:
            return self._held(now, epoch)
        return self._hold(now) and self.epoch == epoch

    def _hold(self, now: float) -> bool:
        current = self.collection.find_one({"_id": self.name})
        if current is None:
            try:
                self.collection.insert_one({"_id": self.name, "owner": self.owner, "expires_at": now + self.ttl_s,
                                            "epoch": 1})
                return self._held(now, 1)
            except DuplicateKeyError:
                return self._lost()
        if current["owner"] != self.owner and current["expires_at"] > now:
            return self._lost()
        epoch = current.get("epoch", 0)
        # Renewing keeps the epoch; taking over from another owner starts a new one. Whoever held it in between
        # changed the owner, so a holder that finds itself still named missed no other tenure.
        renewed = epoch if current["owner"] == self.owner and epoch == self.epoch else epoch + 1
        taken = self.collection.update_one(
            {"_id": self.name, "owner": current["owner"], "expires_at": current["expires_at"], "epoch": epoch}
            if "epoch" in current else
            {"_id": self.name, "owner": current["owner"], "expires_at": current["expires_at"]},
            {"$set": {"owner": self.owner, "expires_at": now + self.ttl_s, "epoch": renewed}})
        return self._held(now, renewed) if taken.modified_count else self._lost()

    def release(self) -> None:
        self.collection.update_one({"_id": self.name, "owner": self.owner}, {"$set": {"expires_at": 0.0}})
        self._held_until = 0.0

    def _held(self, now: float, epoch: int) -> bool:
        self._held_until, self.epoch = now + self.ttl_s, epoch
        return True

    def _lost(self) -> bool:
        self._held_until, self.epoch = 0.0, None
        return False
