"""The engine images users' databases run: the platform's own (stacks/images/postgres, redis
and mariadb), built here under the tags the API defaults to."""

from __future__ import annotations

from pathlib import Path

from api.settings import ApiSettings
from tests.support.images import ensure_built

STACK_IMAGES = Path(__file__).resolve().parents[2] / "stacks" / "images"


def ensure_database_images() -> dict[str, str]:
    """engine -> image, each built unless an image of the same context is there."""
    defaults = ApiSettings.model_construct()
    images = defaults.database_images()
    for engine, image in images.items():
        ensure_built(image, STACK_IMAGES / engine)
    return images
