"""The platform itself on Docker Swarm: its images, its stack, and `zaneops up/down/status/logs`.

Planning (what the stack is, which images and secrets it needs, whether it is healthy) is pure
and unit-tested; Docker is reached only through `zaneops.adapters.docker.platform`.
"""
