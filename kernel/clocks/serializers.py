"""One shape for a clock in the API, for every kind of clock (incident, leg, request, task)."""

from rest_framework import serializers

from .units import fmt_duration


def clock_dict(clock):
    """Return the API representation of a kernel.clocks.engine.Clock."""

    def text(td):
        return None if td is None else fmt_duration(td)

    return {"target": text(clock.target), "due_at": clock.due_at, "warn_at": clock.warn_at,
            "elapsed": text(clock.used), "remaining": text(clock.remaining),
            "percent_used": clock.percent_used, "verdict": clock.verdict,
            "breached": clock.breached, "running": clock.running, "paused": clock.paused,
            "paused_total": text(clock.paused_total), "stopped_at": clock.stopped_at}


class ClockSerializer(serializers.Serializer):
    target = serializers.CharField(allow_null=True, help_text="Business time allowed, e.g. '4 h'.")
    due_at = serializers.DateTimeField(allow_null=True, help_text="The deadline instant.")
    warn_at = serializers.DateTimeField(allow_null=True)
    elapsed = serializers.CharField(help_text="Business time used (paused time excluded).")
    remaining = serializers.CharField(allow_null=True)
    percent_used = serializers.FloatField(allow_null=True)
    verdict = serializers.ChoiceField(
        choices=["met", "breached", "within target", "not measured", "no target"],
        help_text="met/breached: done at or before / after the deadline instant; within "
                  "target: still running and not late; not measured: cancelled or withdrawn.")
    breached = serializers.BooleanField()
    running = serializers.BooleanField()
    paused = serializers.BooleanField()
    paused_total = serializers.CharField(help_text="Business time the clock stood still.")
    stopped_at = serializers.DateTimeField(allow_null=True)
