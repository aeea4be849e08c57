"""PromQL over the node exporters' series, shared by the API's server charts and the
notifications controller's server checks. Each series names its server through
node_uname_info, whose nodename is the node's hostname (the stack sets the exporter's)."""

from __future__ import annotations

NODE = "on(instance) group_left(nodename) node_uname_info"
# Real filesystems only: not the memory-backed ones, nor the container layers.
FILESYSTEMS = (
    'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|autofs|fuse.*",mountpoint!~"/(run|dev)(/.*)?"'
)
# Every server whose exporter answered in the last hour (one down is shown down, not
# forgotten, for that long), and those answering now.
SEEN_IN_THE_LAST_HOUR = "max by (nodename) (last_over_time(node_uname_info[1h]))"
ANSWERING = "max by (nodename) (node_uname_info)"
DISK_PERCENT = (
    f"100 * (1 - node_filesystem_avail_bytes{{{FILESYSTEMS}}}"
    f" / node_filesystem_size_bytes{{{FILESYSTEMS}}})"
)


def per_node(expr: str, by: str = "", how: str = "sum") -> str:
    """expr summed (or `how`) per server, and per label `by` (e.g. a disk's device)."""
    labels = f"nodename, {by}" if by else "nodename"
    return f"{how} by ({labels}) (({expr}) * {NODE})"
