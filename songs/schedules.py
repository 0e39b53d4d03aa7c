"""The studio's django-q2 schedules, defined idempotently in one place."""

from __future__ import annotations

from django_q.models import Schedule


def schedules_ensure() -> None:
    # Older releases named this schedule "studio-heartbeat" (and its job songs.tasks.heartbeat).
    Schedule.objects.filter(name="studio-heartbeat").delete()
    Schedule.objects.update_or_create(
        name="studio-poll-cycle",
        defaults={
            "func": "songs.tasks.poll_cycle",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
