"""The studio's django-q2 schedules, defined idempotently in one place."""

from __future__ import annotations

from django_q.models import Schedule


def schedules_ensure() -> None:
    Schedule.objects.update_or_create(
        name="studio-heartbeat",
        defaults={
            "func": "songs.tasks.heartbeat",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
