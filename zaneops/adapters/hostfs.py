"""Folders of the host (host-path volumes): one method per outside operation.

The caller decides which folders are allowed (controllers/volumes/policy.py); this module
only resolves, creates, measures and removes, in a worker thread so the loop never blocks.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import time
from dataclasses import dataclass


class NotAFolder(Exception):
    """Something other than a folder (a file, a socket...) is at the path."""


@dataclass(frozen=True)
class Size:
    bytes: int
    complete: bool  # False: the walk ran out of time, bytes is a lower bound


class HostFolders:
    async def resolve(self, path: str) -> str:
        """The real path: every symbolic link followed, even for a path not created yet."""
        return await asyncio.to_thread(os.path.realpath, path)

    async def ensure_folder(self, path: str) -> bool:
        """True if it had to be created (with its missing parents)."""
        return await asyncio.to_thread(_ensure_folder, path)

    async def size(self, path: str, budget_seconds: float) -> Size | None:
        """Bytes of the files under path, walked for at most the budget; None if unreadable."""
        return await asyncio.to_thread(_size, path, budget_seconds)

    async def remove_tree(self, path: str) -> None:
        """Remove the folder and what it holds; symbolic links inside are removed, not followed."""
        await asyncio.to_thread(_remove_tree, path)


def _ensure_folder(path: str) -> bool:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        os.makedirs(path, mode=0o755, exist_ok=True)
        return True
    if not stat.S_ISDIR(mode):
        raise NotAFolder(f"{path} exists and is not a folder")
    return False


def _size(path: str, budget_seconds: float) -> Size | None:
    if not os.access(path, os.R_OK | os.X_OK):
        return None
    deadline = time.monotonic() + budget_seconds
    total, complete = 0, True
    pending = [path]
    while pending:
        if time.monotonic() > deadline:
            return Size(total, complete=False)
        try:
            total += _scan_one(pending.pop(), pending)
        except OSError:  # a folder vanished or is unreadable: the total is a lower bound
            complete = False
    return Size(total, complete)


def _scan_one(folder: str, pending: list[str]) -> int:
    """Bytes of the files directly in folder; its subfolders go to pending."""
    total = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return total


def _remove_tree(path: str) -> None:
    if os.path.islink(path):  # never follow a link out of the folder we were asked to remove
        raise NotAFolder(f"{path} is a symbolic link")
    if os.path.isdir(path):
        shutil.rmtree(path)
