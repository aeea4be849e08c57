"""The composition root: the `zaneops` command, process wiring, local mode, the installer.

It sits above `api/` and `controllers/`; nothing below imports it.
"""
