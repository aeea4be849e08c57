"""The first admin: created at install, with a password from the environment or generated."""

from __future__ import annotations

from dataclasses import dataclass

from api.auth.secrets import generate_password, hash_password
from api.settings import ApiSettings
from zaneops.adapters.postgres.accounts import AccountStore
from zaneops.adapters.postgres.api_store import ApiStore
from zaneops.common.settings import InstallationSettings


@dataclass(frozen=True)
class NewAdmin:
    username: str
    generated_password: str | None  # None when it came from ZANE_API_ADMIN_PASSWORD


def _password(settings: ApiSettings) -> tuple[str, str | None]:
    if settings.admin_password:
        return settings.admin_password, None
    generated = generate_password()
    return generated, generated


async def _with_accounts(installation: InstallationSettings) -> tuple[ApiStore, AccountStore]:
    store = await ApiStore.open(installation.database_url, max_size=1)
    return store, AccountStore(store.pool)


async def ensure_first_admin(
    installation: InstallationSettings, settings: ApiSettings
) -> NewAdmin | None:
    """Create the admin if there is no user yet; None if there already was one."""
    store, accounts = await _with_accounts(installation)
    try:
        password, generated = _password(settings)
        created = await accounts.create_first_admin(
            settings.admin_username, hash_password(password)
        )
        return NewAdmin(created.username, generated) if created else None
    finally:
        await store.close()


async def create_admin(
    installation: InstallationSettings, settings: ApiSettings, username: str
) -> NewAdmin:
    """Another admin (or the first one); refused with Conflict if the name is taken."""
    store, accounts = await _with_accounts(installation)
    try:
        password, generated = _password(settings)
        user = await accounts.create_user(username, hash_password(password), is_admin=True)
        return NewAdmin(user.username, generated)
    finally:
        await store.close()
