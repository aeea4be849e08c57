"""Secrets sealed at rest."""

from __future__ import annotations

import pytest

from zaneops.common.secrets import SecretBox, SecretsUnavailable, is_sealed, new_key


def test_a_sealed_secret_opens_to_its_plaintext_and_does_not_show_it() -> None:
    """seal() hides the value behind a recognisable prefix; open() gives it back."""
    box = SecretBox(new_key())
    sealed = box.seal("hunter2")
    assert is_sealed(sealed) and "hunter2" not in sealed
    assert box.open(sealed) == "hunter2"


def test_sealing_twice_is_a_no_op_and_plain_values_open_as_themselves() -> None:
    """A sealed value is not sealed again; a never-sealed value opens unchanged."""
    box = SecretBox(new_key())
    sealed = box.seal("x")
    assert box.seal(sealed) == sealed
    assert box.open("plain") == "plain"


def test_a_secret_sealed_with_another_key_is_refused_clearly() -> None:
    """Opening with the wrong key raises SecretsUnavailable, not a crypto traceback."""
    sealed = SecretBox(new_key()).seal("x")
    with pytest.raises(SecretsUnavailable, match="different key"):
        SecretBox(new_key()).open(sealed)


def test_no_key_means_no_secrets() -> None:
    """Without ZANE_SECRET_KEY the box refuses to exist, naming the variable."""
    with pytest.raises(SecretsUnavailable, match="ZANE_SECRET_KEY"):
        SecretBox("")
