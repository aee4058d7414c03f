"""Quantization at the field declaration, and input/settings validation."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.games.arena import Arena
from shared.protocol import ProtocolError
from shared.schema import (
    EntitySchema,
    InputField,
    InputSchema,
    Setting,
    SettingsSchema,
    angle,
    flag,
    num,
    text,
)


@given(st.floats(-1e6, 1e6))
def test_numbers_round_to_the_nearest_step(value):
    field = num("x", 0.25)
    wire = field.quantize(value)
    assert isinstance(wire, int)
    assert abs(field.dequantize(wire) - value) <= 0.125


def test_ties_round_up_on_every_platform():
    # floor(v / step + 0.5), not Python's round-half-even, so JavaScript agrees
    assert num("x").quantize(0.5) == 1
    assert num("x").quantize(2.5) == 3
    assert num("x").quantize(-0.5) == 0


@given(st.floats(-20, 20))
def test_angles_wrap_into_one_turn(value):
    field = angle("a", bits=8)
    wire = field.quantize(value)
    assert 0 <= wire < 256
    difference = (field.dequantize(wire) - value) % math.tau
    assert min(difference, math.tau - difference) <= math.tau / 512 + 1e-9


def test_schema_description_round_trips():
    schema = Arena.entity_schema
    again = EntitySchema.from_description(schema.describe())
    assert again.describe() == schema.describe()


INPUTS = InputSchema(InputField("dx", "num", -1, 1), InputField("n", "int", 0, 3),
                     InputField("fire", "bool"))


@pytest.mark.parametrize("message, complaint", [
    ("nope", "list"),
    ([1, 0.5, 1], "list"),
    ([0, 0.5, 1, True], "seq"),
    ([True, 0.5, 1, True], "seq"),
    ([1.5, 0.5, 1, True], "seq"),
    ([2**31, 0.5, 1, True], "seq"),
    ([1, "0.5", 1, True], "dx"),
    ([1, 2.0, 1, True], "dx"),
    ([1, float("nan"), 1, True], "dx"),
    ([1, True, 1, True], "dx"),
    ([1, 0.5, 1.0, True], "n"),
    ([1, 0.5, 4, True], "n"),
    ([1, 0.5, 1, "yes"], "fire"),
])
def test_bad_inputs_are_refused_with_the_reason(message, complaint):
    with pytest.raises(ProtocolError) as refused:
        INPUTS.parse(message, 2**31 - 1)
    assert refused.value.code == "bad_input"
    assert complaint in refused.value.message


def test_a_good_input_parses_to_named_values():
    assert INPUTS.parse([7, -1, 3, 1], 2**31 - 1) == (7, {"dx": -1, "n": 3, "fire": True})


def test_settings_are_merged_only_when_known_and_in_bounds():
    schema = SettingsSchema(Setting("npcs", 4, 0, 8), Setting("mode", "a", choices=("a", "b")))
    assert schema.merge(schema.defaults(), {"npcs": 8, "mode": "b"}) == {"npcs": 8, "mode": "b"}
    for bad in ({"npcs": 9}, {"npcs": True}, {"mode": "c"}, {"speed": 1}, ["npcs"]):
        with pytest.raises(ProtocolError) as refused:
            schema.merge(schema.defaults(), bad)
        assert refused.value.code == "bad_settings"


@given(x=st.floats(-1e9, 1e9), a=st.floats(-100, 100), n=st.integers(-5, 5),
       name=st.text(max_size=30), alive=st.booleans())
def test_the_compiled_quantizer_matches_each_field(x, a, n, name, alive):
    schema = EntitySchema(num("x", 0.25), angle("a", 6), num("n"), text("name", 8), flag("alive"))
    entity = SimpleNamespace(x=x, a=a, n=n, name=name, alive=alive)
    expected = tuple(f.quantize(getattr(entity, f.name)) for f in schema.fields)
    assert schema.quantize(entity) == expected


def test_field_names_must_be_identifiers():
    with pytest.raises(ValueError):
        num("x; import os")


values = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                   st.text(max_size=3))


near_good = st.tuples(st.integers(-1, 3), st.floats(-1.5, 1.5) | st.integers(-2, 2) | values,
                      st.integers(-1, 4) | values, st.sampled_from([0, 1, 2, True, 0.0])
                      ).map(list)


@given(message=near_good | st.lists(values, max_size=5) | values)
def test_the_compiled_input_parser_agrees_with_the_generic_one(message):
    def outcome(parse):
        try:
            return parse(message, 2**31 - 1)
        except ProtocolError as error:
            return error.code, error.message

    assert outcome(INPUTS.parse) == outcome(INPUTS.explain)
