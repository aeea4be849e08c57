"""Where logs live in Redis, and what one entry holds. Writers: controllers; reader: the API.

Each stream is capped (XADD MAXLEN ~); entries are flat string maps.
- runtime logs, one stream per service: ts, stream (stdout|stderr), line, task_id, deployment_id
- build logs, one stream per build: ts, line
- run output, one stream per run (a one-off command): ts, stream, line
- HTTP access logs, one stream per service: ts, host, method, path, status, duration_ms,
  deployment_id
`ts` is ISO 8601 in UTC. A stream's entry ids are Redis's own (time-ordered), so a reader pages
with XRANGE/XREVRANGE and follows with XREAD BLOCK.
"""

from __future__ import annotations

from uuid import UUID

# Lines kept per stream; older ones are trimmed as new ones arrive.
DEFAULT_MAX_ENTRIES = 10_000
DELETED_STREAM_SECONDS = 24 * 3600


def runtime_logs(service_id: UUID) -> str:
    return f"zane:logs:runtime:{service_id}"


def runtime_log_marks(service_id: UUID) -> str:
    """Not a stream: a hash, "<task id>/<stdout|stderr>" → "<newest line time shipped, unix
    ns>:<lines of that very time>", written with the lines it marks, so a new follower
    resumes without a gap or a repeat."""
    return f"zane:logs:runtime:{service_id}:marks"


def build_logs(build_id: UUID) -> str:
    return f"zane:logs:build:{build_id}"


def run_logs(run_id: UUID) -> str:
    """A one-off command's output, one stream per run: ts, stream, line."""
    return f"zane:logs:run:{run_id}"


def http_logs(service_id: UUID) -> str:
    return f"zane:logs:http:{service_id}"


def deleted_stream(key: str) -> str:
    """Not a stream: set (for a day) when the stream `key` is deleted with what it logged for,
    so that a writer that read its source before the deletion does not bring it back."""
    return f"{key}:deleted"


def access_log_cursor(instance: str) -> str:
    """Not a stream: how far the routes controller forwarded Caddy's access log."""
    return f"zane:{instance}:access-log-cursor"


def tls_log_cursor(instance: str) -> str:
    """Not a stream: how far the routes controller read Caddy's certificate management log."""
    return f"zane:{instance}:tls-log-cursor"
