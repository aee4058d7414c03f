"""Join codes, tokens and display names."""

from __future__ import annotations

import pytest

from server.codes import new_join_code, new_room_id, new_token
from shared.protocol import CODE_ALPHABET, ProtocolError, clean_name, normalize_code


def test_join_codes_avoid_look_alike_characters():
    assert not set("01OIL") & set(CODE_ALPHABET)
    codes = {new_join_code(6) for _ in range(2000)}
    assert all(len(code) == 6 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert len(codes) == 2000  # 887 million possibilities: no collision expected here
    assert len(CODE_ALPHABET) ** 6 > 8e8


def test_ids_and_tokens_are_long_random_strings():
    assert len({new_room_id() for _ in range(1000)}) == 1000
    assert all(len(new_token()) >= 32 for _ in range(10))


def test_typed_codes_are_normalized():
    assert normalize_code("  ab c7d9 ") == "ABC7D9"


@pytest.mark.parametrize("raw, clean", [("  Ann  ", "Ann"), ("Zoë  the-1st", "Zoë the-1st"),
                                        ("x" * 16, "x" * 16)])
def test_good_names(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "x" * 17, "<script>", "a\nb;", 42, None])
def test_bad_names(raw):
    with pytest.raises(ProtocolError) as refused:
        clean_name(raw)
    assert refused.value.code == "bad_name"


def test_error_codes_must_exist():
    with pytest.raises(ValueError):
        ProtocolError("no_such_code")
