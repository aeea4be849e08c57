"""Why a spec does not validate, in the words the API uses: 'field: reason' per problem."""

from __future__ import annotations

from pydantic import ValidationError

MAX_PROBLEMS = 10  # named in one message; the rest are counted


def validation_message(error: ValidationError) -> str:
    """'replicas: Input should be a valid integer; image: Field required'."""
    problems = error.errors(include_url=False, include_input=False)
    parts = [
        f"{'.'.join(str(part) for part in problem['loc']) or 'spec'}: {problem['msg']}"
        for problem in problems[:MAX_PROBLEMS]
    ]
    if len(problems) > MAX_PROBLEMS:
        parts.append(f"and {len(problems) - MAX_PROBLEMS} more")
    return "; ".join(parts)
