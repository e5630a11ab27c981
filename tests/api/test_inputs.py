"""InputSerializer shares its built fields between plain request bodies (vsm/api/inputs.py)."""

from __future__ import annotations

import threading

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from vsm.api.base import OrgAPIMixin
from vsm.api.inputs import InputSerializer


class Item(InputSerializer):
    sha = serializers.CharField(max_length=8)


class Body(InputSerializer):
    name = serializers.CharField(max_length=5)
    note = serializers.CharField(required=False)
    items = Item(many=True, required=False)


class _View(OrgAPIMixin):
    """OrgAPIMixin.valid, the one way views read input, on a body given directly."""

    def __init__(self, data):
        self.request = type("Request", (), {"data": data})()


def validated_input(serializer_class, data, **kwargs) -> dict:
    return _View(data).valid(serializer_class, **kwargs)


def errors(data, **kwargs) -> dict:
    with pytest.raises(ValidationError) as refused:
        validated_input(Body, data, **kwargs)
    return refused.value.detail


def test_plain_bodies_share_their_fields_and_the_others_build_their_own():
    assert Body(data={}).fields is Body(data={}).fields
    assert Body(data={}, partial=True).fields is not Body(data={}).fields
    assert Body(data={}, context={"request": None}).fields is not Body(data={}).fields
    assert Body({"name": "a"}).fields is not Body(data={}).fields  # an instance to present
    seen = []
    worker = threading.Thread(target=lambda: seen.append(Body(data={}).fields))
    worker.start()
    worker.join()
    assert seen[0] is not Body(data={}).fields  # built again in another thread


def test_each_body_gets_its_own_values_and_errors_through_shared_fields():
    assert validated_input(Body, {"name": "ab", "items": [{"sha": "1"}]}) == {"name": "ab", "items": [{"sha": "1"}]}
    assert errors({"name": "toolong", "items": [{"sha": "123456789"}, {}]}) == {
        "name": ["Ensure this field has no more than 5 characters."],
        "items": {0: {"sha": ["Ensure this field has no more than 8 characters."]},
                  1: {"sha": ["This field is required."]}}}
    assert validated_input(Body, {"name": "cd", "note": None}) == {"name": "cd"}  # null: as if left out
    # A partial update after plain bodies (and a plain body after it) keeps its own rules.
    assert validated_input(Body, {"note": "x"}, partial=True) == {"note": "x"}
    assert errors({"note": "x"}) == {"name": ["This field is required."]}
