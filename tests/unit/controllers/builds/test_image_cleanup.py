"""Which built images disk hygiene removes."""

from __future__ import annotations

from controllers.builds.image_cleanup import images_to_remove
from zaneops.adapters.docker.builds import BuiltImage


def _image(name: str, created: int, service: str = "a", size: int = 10) -> BuiltImage:
    labels = {"zane.owner": f"services/{service}"}
    return BuiltImage(f"sha256:{name}", (f"r/{service}:{name}",), labels, created, size)


def _names(images: list[BuiltImage]) -> list[str]:
    return [image.id.removeprefix("sha256:") for image in images]


def test_the_newest_n_per_service_stay_and_older_ones_go_oldest_first() -> None:
    """keep 2 of four: the two oldest go, per service, independently."""
    images = [_image("a1", 1), _image("a2", 2), _image("a3", 3), _image("a4", 4)]
    images += [_image("b1", 1, "b")]
    assert _names(images_to_remove(images, set(), keep=2, budget_bytes=10**9)) == ["a1", "a2"]


def test_an_image_a_live_deployment_needs_is_kept_however_old() -> None:
    """The current or target deployment's image is never removed."""
    images = [_image("a1", 1), _image("a2", 2), _image("a3", 3)]
    assert _names(images_to_remove(images, {"r/a:a1"}, keep=1, budget_bytes=10**9)) == ["a2"]


def test_over_the_budget_the_oldest_unneeded_kept_images_go_too() -> None:
    """Budget 25 bytes for three 10-byte images kept by N: the oldest unneeded one goes."""
    images = [_image("a1", 1), _image("a2", 2), _image("a3", 3)]
    doomed = images_to_remove(images, {"r/a:a1"}, keep=3, budget_bytes=25)
    assert _names(doomed) == ["a2"]
