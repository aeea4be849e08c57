"""Configs spelled as Go's encoding/json spells them (checked against the real Caddy in
tests/integration/zaneops/adapters/caddy)."""

from __future__ import annotations

from zaneops.adapters.caddy.go_json import go_json, parse


def test_keys_are_sorted_and_nothing_is_spaced_and_a_newline_ends_it() -> None:
    assert go_json({"b": [1, 2], "a": {"d": None, "c": True}}) == (
        b'{"a":{"c":true,"d":null},"b":[1,2]}\n'
    )


def test_html_characters_and_line_separators_are_escaped_and_b_f_spelled_long() -> None:
    said = go_json({"x": "<a>&\u2028\u2029\b\f\n\t é"})
    assert said == '{"x":"\\u003ca\\u003e\\u0026\\u2028\\u2029\\u0008\\u000c\\n\\t é"}\n'.encode()


def test_an_escaped_backslash_before_b_is_not_taken_for_a_backspace() -> None:
    assert go_json({"x": "\\b\\f"}) == b'{"x":"\\\\b\\\\f"}\n'


def test_a_negative_exponents_leading_zero_goes_but_not_inside_a_string() -> None:
    assert go_json({"n": 1e-07, "s": "1e-07"}) == b'{"n":1e-7,"s":"1e-07"}\n'


def test_whole_floats_read_from_caddy_are_integers_as_go_holds_them() -> None:
    read = parse(b'{"whole": 10.0, "half": 1.5, "huge": 1e21}')
    assert read == {"whole": 10, "half": 1.5, "huge": 1e21}
    assert isinstance(read["whole"], int)
    assert go_json(read) == b'{"half":1.5,"huge":1e+21,"whole":10}\n'
