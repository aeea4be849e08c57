"""Which built images to remove: pure, so it is tested without an engine.

Only images this installation built reach here (the adapter filters on our labels). Kept:
every image a live deployment needs (current, target, or still starting), and the newest
`keep` per service; then, over the disk budget, the oldest unneeded ones go as well.
"""

from __future__ import annotations

from collections import defaultdict

from zaneops.adapters.docker.builds import BuiltImage
from zaneops.common.naming import LABEL_OWNER


def images_to_remove(
    images: list[BuiltImage], needed: set[str], keep: int, budget_bytes: int
) -> list[BuiltImage]:
    """Oldest first. `needed` holds image references (repo:tag) that must stay."""
    by_service: dict[str, list[BuiltImage]] = defaultdict(list)
    for image in images:
        by_service[image.labels.get(LABEL_OWNER, "")].append(image)
    kept: list[BuiltImage] = []
    removed: list[BuiltImage] = []
    for service_images in by_service.values():
        newest_first = sorted(service_images, key=lambda i: i.created, reverse=True)
        for rank, image in enumerate(newest_first):
            (kept if rank < keep or _is_needed(image, needed) else removed).append(image)
    removed.extend(_over_budget(kept, needed, budget_bytes))
    return sorted(removed, key=lambda i: i.created)


def _is_needed(image: BuiltImage, needed: set[str]) -> bool:
    return image.id in needed or any(tag in needed for tag in image.tags)


def _over_budget(kept: list[BuiltImage], needed: set[str], budget_bytes: int) -> list[BuiltImage]:
    """The oldest unneeded kept images, until what stays fits in the budget."""
    total = sum(image.size for image in kept)
    dropped: list[BuiltImage] = []
    for image in sorted(kept, key=lambda i: i.created):
        if total <= budget_bytes:
            break
        if not _is_needed(image, needed):
            dropped.append(image)
            total -= image.size
    return dropped
