"""django-q2 entry points. Thin: load by primary key, call a service.

Queued jobs and schedules store these dotted paths (``songs.services.common.JOBS``): keep the names.
"""

from __future__ import annotations

from songs.services import boost, copies, polling, submit, timing


def submit_task(task_pk: int) -> None:
    submit.task_submit(task_pk=task_pk)


def download_media(clip_pk: int) -> None:
    copies.clip_media_download(clip_pk=clip_pk)


def download_media_many(clip_pks: list[int]) -> None:
    copies.clips_media_download(clip_pks=clip_pks)


def download_video(clip_pk: int) -> None:
    copies.clip_video_download(clip_pk=clip_pk)


def download_wav(clip_pk: int) -> None:
    copies.clip_wav_download(clip_pk=clip_pk)


def convert_wav(clip_pk: int) -> None:
    copies.clip_wav_make(clip_pk=clip_pk)


def style_boost(boost_pk: int) -> None:
    boost.boost_run(boost_pk=boost_pk)


def fetch_timing(clip_pk: int) -> None:
    timing.clip_timing_fetch(clip_pk=clip_pk)


def poll_woken() -> None:
    """A gateway called back (songs.services.callbacks): fetch what is due now, the woken task among it,
    without waiting for the poller's next turn. Claims keep it from fetching what a poller holds."""
    polling.tasks_poll_due(budget=5)


def poll_cycle() -> None:
    """The minutely safety net (and staff's "poll now"): one poll cycle, as the poller loop runs it."""
    polling.poll_cycle(budget=30)  # well inside django-q2's 60 s job timeout
    copies.partials_sweep()


# The name this job had before 2026-11: jobs queued under it by an older release still run.
heartbeat = poll_cycle
