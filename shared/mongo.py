"""The one place that builds MongoDB clients and knows which of its errors are transient."""
from __future__ import annotations

from pymongo import MongoClient
from pymongo.errors import AutoReconnect, ConnectionFailure, NetworkTimeout, ServerSelectionTimeoutError

TRANSIENT_ERRORS = (ConnectionFailure, AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError)


def connect(url: str, *, timeout_ms: int = 5000) -> MongoClient:
    return MongoClient(url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms,
                       socketTimeoutMS=max(timeout_ms, 30000), tz_aware=True, uuidRepresentation="standard")


def ping(client: MongoClient) -> bool:
    try:
        client.admin.command("ping")
        return True
    except TRANSIENT_ERRORS:
        return False
