"""The one place that builds MongoDB clients and knows which of its errors are transient."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pymongo import MongoClient
from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError

from shared.config import MONGO_SOCKET_TIMEOUT_MS, MONGO_TIMEOUT_MS

if TYPE_CHECKING:
    from shared.config import Settings

TRANSIENT_ERRORS = (ConnectionFailure, AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError)


def connect(url: str, *, timeout_ms: int = MONGO_TIMEOUT_MS, socket_timeout_ms: int = MONGO_SOCKET_TIMEOUT_MS
            ) -> MongoClient:
    """``timeout_ms``: while the database is down a request waits this long for it, then answers 503."""
    return MongoClient(url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms,
                       socketTimeoutMS=socket_timeout_ms, tz_aware=True, uuidRepresentation="standard")


def connect_for(settings: Settings) -> MongoClient:
    return connect(settings.mongo_url, timeout_ms=settings.mongo_timeout_ms,
                   socket_timeout_ms=settings.mongo_socket_timeout_ms)


def ping(client: MongoClient) -> bool:
    try:
        client.admin.command("ping")
        return True
    except TRANSIENT_ERRORS:
        return False
