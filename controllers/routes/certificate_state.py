"""What a domain's status says of its uploaded certificate as time passes: in date, soon to
expire (renew it), or expired (then the host gets a certificate on demand again)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from zaneops.specs.status import Condition, ConditionStatus

CERTIFICATE = "Certificate"
WARN_BEFORE = timedelta(days=21)
RECHECK_AT_MOST = timedelta(days=1)


def state_of(expires_at: datetime, now: datetime) -> str:
    if expires_at <= now:
        return "Expired"
    return "ExpiresSoon" if expires_at - now <= WARN_BEFORE else "Valid"


def condition_of(expires_at: datetime, now: datetime, https: bool = True) -> Condition:
    if not https:
        return Condition(
            type=CERTIFICATE,
            status=ConditionStatus.FALSE,
            reason="HttpsOff",
            message="uploaded, but not used: this installation serves plain HTTP only",
        )
    state, day = state_of(expires_at, now), f"{expires_at:%Y-%m-%d}"
    days = (expires_at - now).days
    messages = {
        "Valid": f"the uploaded certificate is served; it expires on {day}",
        "ExpiresSoon": f"the uploaded certificate expires on {day}, in {days} days: upload a "
        "renewed one",
        "Expired": f"the uploaded certificate expired on {day}: a certificate is obtained on "
        "demand instead until a renewed one is uploaded",
    }
    status = ConditionStatus.FALSE if state == "Expired" else ConditionStatus.TRUE
    return Condition(type=CERTIFICATE, status=status, reason=state, message=messages[state])


def seconds_to_next_change(expiries: Iterable[datetime], now: datetime) -> float | None:
    """When some certificate's state changes next (it enters its warning time, or expires);
    looked at daily at least while any is uploaded, None if none is."""
    moments = [m for e in expiries for m in (e - WARN_BEFORE, e) if m > now]
    if not moments and not list(expiries):
        return None
    upcoming = min([*moments, now + RECHECK_AT_MOST])
    return max(1.0, (upcoming - now).total_seconds())
