# Gunicorn settings shared by the four services (embedded stack and container images alike).
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 10
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Gunicorn answers requests beyond these limits itself, with an HTML page; the application's own limits
# (shared/http.py: a URL of 4,000 characters, a header line of 8,000 bytes) are lower, so within gunicorn's
# maxima every refusal is problem+json. These are gunicorn's largest allowed request line and twice its field size.
limit_request_line = 8190
limit_request_field_size = 16380


def post_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    """A worker dies with its master, even one killed with SIGKILL (the launcher's children die with it too)."""
    from shared.process import parent_death_signal

    die_with_parent = parent_death_signal(server.pid)
    if die_with_parent:
        die_with_parent()
