"""Fields built once per class (kernel.api_fields): each serializer still gets its own
fields, bound to it, and a request's context never reaches another request's fields."""

from rest_framework import serializers

from kernel.api_fields import PrototypeFields


class Child(serializers.Serializer):
    note = serializers.CharField()
    who = serializers.SerializerMethodField()

    def get_who(self, obj):
        return self.context["user"]


class Record(PrototypeFields, serializers.Serializer):
    title = serializers.CharField(max_length=5)
    tags = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    children = Child(many=True)
    who = serializers.SerializerMethodField()

    def get_who(self, obj):
        return self.context["user"]


def test_each_serializer_gets_its_own_bound_fields():
    first, second = Record(context={"user": "bea"}), Record(context={"user": "olu"})
    for name in ("title", "tags", "children", "who"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    # The nested and many-valued fields were copied whole: their children reach their own
    # serializer's context, not the first request's.
    assert first.fields["tags"].child_relation is not second.fields["tags"].child_relation
    assert first.fields["tags"].child_relation.parent is first.fields["tags"]
    assert first.fields["tags"].child_relation.context == {"user": "bea"}
    assert second.fields["tags"].child_relation.context == {"user": "olu"}
    assert second.fields["children"].child.context == {"user": "olu"}


def test_representation_and_validation_are_per_request():
    row = {"title": "abc", "tags": [], "children": [{"note": "n"}]}
    assert Record(row, context={"user": "bea"}).data["who"] == "bea"
    assert Record(row, context={"user": "olu"}).data["children"][0]["who"] == "olu"
    bad = Record(data={"title": "too long", "children": []}, context={"user": "bea"})
    assert not bad.is_valid()
    assert "title" in bad.errors  # the max_length validator still runs on the copy
    good = Record(data={"title": "ok", "children": [{"note": "x"}]}, context={"user": "olu"})
    assert good.is_valid(), good.errors
    assert good.validated_data["title"] == "ok"
