"""The git adapter's pure parts: secrets scrubbed, local paths cloned shallowly."""

from __future__ import annotations

from zaneops.adapters.git import GitAuth, cloneable_url, failure_summary, head_in, scrub


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


def test_the_branch_head_is_found_among_ssh_notices_and_other_branches() -> None:
    """ssh writes to the same stream as git; only an exact ref line counts."""
    sha = "a" * 40
    output = (
        "Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts.\n"
        f"{'b' * 40}\trefs/heads/main-old\n{sha}\trefs/heads/main"
    )
    assert head_in(output, "main") == sha
    assert head_in(output, "dev") is None


def test_a_failure_is_summed_up_by_its_cause_not_by_gits_closing_advice() -> None:
    output = (
        "git@host: Permission denied (publickey).\n"
        "fatal: Could not read from remote repository.\n\n"
        "Please make sure you have the correct access rights\n"
        "and the repository exists.\n"
    )
    assert failure_summary(output) == (
        "git@host: Permission denied (publickey).; fatal: Could not read from remote repository."
    )
    assert failure_summary("") == "no output"
