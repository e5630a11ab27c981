from __future__ import annotations

from rest_framework import serializers

from work.selectors import DECIDABLE


class MyWorkItemSerializer(serializers.Serializer):
    """One thing waiting on the caller (work.selectors.Item)."""

    key = serializers.CharField(help_text="kind:id, what the My work page decides")
    kind = serializers.ChoiceField(choices=["booking", "deployment", "signoff", "provisioning", "waiver",
                                            "my_booking", "release"])
    id = serializers.IntegerField(help_text="the booking, deployment request, criterion, provisioning request, "
                                            "waiver or release")
    label = serializers.CharField(help_text="the kind in words")
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    since = serializers.DateTimeField(help_text="when it started waiting, or the risk arose")
    url = serializers.CharField(help_text="the page about it")
    reason = serializers.ChoiceField(choices=["", "late_phase", "gate_failed", "no_booking", "freeze"],
                                     allow_blank=True, help_text="what puts a release at risk; empty otherwise")
    decidable = serializers.BooleanField(help_text=f"approved or rejected from My work ({', '.join(DECIDABLE)})")
