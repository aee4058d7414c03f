"""Unguessable identifiers: join codes people type, room ids and tokens machines pass around."""

from __future__ import annotations

import secrets

from shared.protocol import CODE_ALPHABET


def new_join_code(length: int) -> str:
    """A join code from the look-alike-free alphabet, drawn with a cryptographic RNG.

    At the default length of 6 over 31 symbols there are 887 million codes.
    """
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_room_id() -> str:
    """A URL-safe room id with 72 random bits."""
    return secrets.token_urlsafe(9)


def new_token() -> str:
    """A URL-safe secret with 192 random bits."""
    return secrets.token_urlsafe(24)
