"""Seat reservations: issued on one node, redeemed once on the owner, within 15 s, untampered."""

from __future__ import annotations

import base64
import json

import pytest

from server.cluster.reservations import Reservation, Reservations
from shared.protocol import ProtocolError
from tests.cluster.helpers import Node, NodeFactory


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def node_pair(clock: Clock, secret: str = "s3cret") -> tuple[Reservations, Reservations]:
    return (Reservations("n1", lambda: secret, clock=clock),
            Reservations("n2", lambda: secret, clock=clock))


def test_a_reservation_is_redeemed_once_on_its_owner(clock: Clock) -> None:
    issuer, owner = node_pair(clock)
    token = issuer.issue("room-1", "n2", "player", "Ada Lovelace", "hold-1")
    clock.now += 14.9
    assert owner.redeem(token) == Reservation("room-1", "n2", "player", "Ada Lovelace",
                                              "hold-1", (1_800_000_000 + 15) * 1000)
    assert _refusal(owner, token) == "bad_reservation"  # single use
    assert _refusal(issuer, issuer.issue("room-1", "n2", "player", "Ada", "hold-2")) == (
        "bad_reservation")  # meant for another node


def test_a_reservation_expires_after_15_seconds(clock: Clock) -> None:
    issuer, owner = node_pair(clock)
    token = issuer.issue("room-1", "n2", "spectator", "Bo", "hold-1")
    clock.now += 15.0
    assert _refusal(owner, token) == "bad_reservation"


def test_used_holds_are_forgotten_once_expired(clock: Clock) -> None:
    issuer, owner = node_pair(clock)
    for i in range(50):
        owner.redeem(issuer.issue("room-1", "n2", "player", "Bo", f"hold-{i}"))
    clock.now += 15.0
    owner.redeem(issuer.issue("room-1", "n2", "player", "Bo", "later"))
    assert len(owner._redeemed) == 1  # the ledger does not grow without bound


def test_tampered_forged_or_malformed_tokens_are_refused(clock: Clock) -> None:
    issuer, owner = node_pair(clock)
    token = issuer.issue("room-1", "n2", "player", "Bo", "hold-1")
    tag, payload, signature = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields[3] = "Mallory"
    forged_payload = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    _, stranger = node_pair(clock, secret="another cluster")
    bad = [
        f"{tag}.{forged_payload}.{signature}",
        f"{tag}.{payload}.{signature[:-2]}AA",
        f"v2.{payload}.{signature}",
        stranger.issue("room-1", "n2", "player", "Bo", "hold-1"),
        token + ".x", "", "v1..", "ü" * 40, "x" * 600, None, 42, ["v1", payload, signature],
    ]
    for candidate in bad:
        assert _refusal(owner, candidate) == "bad_reservation", candidate
    assert owner.redeem(token).name == "Bo"  # the genuine one still works


async def test_a_quick_seat_travels_to_its_owner_as_a_reservation(
        make_node: NodeFactory) -> None:
    entry = await make_node("entry")
    owner = await make_node("owner")
    room = await owner.open_room("OWNR22", players=7)
    seat = await entry.directory.quick_seat("arena", "", 8, [entry.id])
    assert (seat.room_id, seat.node) == (room.id, "owner")

    secret = entry.registry.secret
    token = Reservations(entry.id, lambda: secret).issue(seat.room_id, seat.node, "player",
                                                          "Ada", seat.hold)
    reservation = Reservations(owner.id, lambda: owner.registry.secret).redeem(token)
    assert (reservation.room_id, reservation.hold) == (room.id, seat.hold)
    assert (await _directory_refusal(entry, room.id)) == "room_full"  # the hold counts

    owner.directory.seated(room.id, reservation.hold)
    room.players = 8
    await owner.directory.update(room)
    room.players = 7  # the player left again: the seat is free, the hold is gone
    await owner.directory.update(room)
    assert (await entry.directory.reserve(room.id))[0].players == 7


def _refusal(owner: Reservations, token: object) -> str:
    with pytest.raises(ProtocolError) as refused:
        owner.redeem(token)
    return refused.value.code


async def _directory_refusal(node: Node, room_id: str) -> str:
    with pytest.raises(ProtocolError) as refused:
        await node.directory.reserve(room_id)
    return refused.value.code
