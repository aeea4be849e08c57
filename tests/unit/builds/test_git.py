"""The git adapter's pure parts: secrets scrubbed, local paths cloned shallowly."""

from __future__ import annotations

from zaneops.adapters.git import GitAuth, cloneable_url, scrub


def test_tokens_their_basic_form_and_url_passwords_are_scrubbed() -> None:
    """Nothing that could open the repository survives into a message or a log line."""
    auth = GitAuth(token="tok123", username="bot")
    text = "fatal: https://bot:tok123@host/x failed; header Ym90OnRvazEyMw== tok123"
    cleaned = scrub(text, auth.secrets())
    assert "tok123" not in cleaned and "Ym90OnRvazEyMw==" not in cleaned
    assert "https://***@host/x" in cleaned


def test_credentials_stay_out_of_reprs() -> None:
    """A logged GitAuth shows no secret."""
    assert "tok123" not in repr(GitAuth(token="tok123")) and "KEY" not in repr(
        GitAuth(ssh_key="KEY")
    )


def test_a_local_path_is_cloned_as_a_file_url() -> None:
    """git ignores --depth for plain local paths."""
    assert cloneable_url("/srv/repo") == "file:///srv/repo"
    assert cloneable_url("git@host:a/b.git") == "git@host:a/b.git"
