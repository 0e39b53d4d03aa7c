"""What a clip gets with its audio copy: its waveform peaks and its karaoke words.

Both in workers, never in a web request, and only once the copy plays: the copy job stores the audio
(the clip is playable from that moment), then works out the peaks from our own copy, once
(``clip_peaks``, ``songs.waveform``), and queues the words in a job of their own (``clip_timing_schedule``).
The card changes again then; studio.js holds a redrawn card while one of its buttons waits for its answer,
so nothing moves under a person's pointer. The words come from the gateway's ``act/timing/<clip_id>``,
for clips that have lyrics
(instrumentals and uploads are never asked). A failure is logged and leaves the clip without karaoke: a
passing fault is tried once more a minute later (the poll cycle queues ``songs.tasks.fetch_timing``), and
a gateway without the call is recorded as lacking the "timing" feature, which hides karaoke everywhere
and stops the asking.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from songs import selectors, waveform
from songs.gateway import AlignedWord, Gateway, GatewayError, gateway_for, verdicts
from songs.models import Clip, ClipTiming
from songs.services.common import card_touch, job_enqueue
from songs.services.features import feature_learn_missing

log = logging.getLogger(__name__)

State = Clip.MediaState
# One try and one more later: a clip without karaoke is fine, a retry storm against the gateway is not.
TIMING_MAX_ATTEMPTS = 2
TIMING_RETRY_AFTER = timedelta(seconds=60)
# How long a queued timing job may take before the poll cycle queues it again (its worker died).
TIMING_LEASE = timedelta(minutes=2)


# --- With the audio copy -------------------------------------------------------------------------


def clip_audio_stored(*, clip_pk: int) -> None:
    """For audio stored another way (an upload, a copy made before waveforms): the waveform now, and the
    words of a sung clip in a job of their own."""
    clip = Clip.objects.filter(pk=clip_pk).first()
    if clip is None or not clip.audio_file:
        return
    peaks = clip_peaks(clip)
    if peaks:
        Clip.objects.filter(pk=clip.pk).update(peaks=peaks)
        card_touch(task_id=clip.task_id)
    clip_timing_schedule(clip=clip)


def clip_peaks(clip: Clip) -> str:
    """The clip's waveform from its stored audio (read through the storage API); "" when unreadable."""
    try:
        with clip.audio_file.open("rb") as handle:
            data = handle.read()
        return waveform.encode(waveform.peaks_of(data))
    except (OSError, waveform.NoAudio) as exc:
        log.warning("no waveform for clip %s: %s", clip.pk, exc)
        return ""


def _timing_offered(clip: Clip) -> bool:
    """The real gateway may lack act/timing; a sketch's engine always has it."""
    return clip.task.sketch or selectors.gateway_capabilities().timing


def wants_timing(clip: Clip) -> bool:
    """Only sung clips are asked: not instrumentals (no lyrics), not uploads, not a clip asked already."""
    return (
        clip.status == Clip.Status.COMPLETE
        and bool(clip.lyrics.strip())
        and clip.clip_type != "upload"
        and not (clip.metadata or {}).get("make_instrumental")
        and clip.timing_state == State.NONE
    )


def _words_kept(clip: Clip, words: list[AlignedWord]) -> dict:
    if not any(word.success for word in words):
        log.info("clip %s: the gateway aligned no words", clip.pk)
        return {"timing_state": State.FAILED, "timing_next_at": None}
    ClipTiming.objects.update_or_create(
        clip=clip, defaults={"words": [word.as_dict() for word in words], "fetched_at": timezone.now()}
    )
    return {"timing_state": State.STORED, "timing_next_at": None}


def _failure(clip: Clip, exc: GatewayError, *, attempts: int) -> dict:
    """What a failed try leaves: nothing to wait for, one more try later, or no karaoke (logged)."""
    # A sketch's engine answering "no timing" says nothing of the real gateway: nothing is learnt from it.
    if exc.kind == verdicts.NOT_SUPPORTED and not clip.task.sketch:
        log.warning("the gateway has no timing call (%s): karaoke is hidden", exc.code)
        feature_learn_missing(name="timing", task=None, exc=exc)
        return {"timing_state": State.NONE, "timing_attempts": attempts, "timing_next_at": None}
    if exc.retryable and attempts < TIMING_MAX_ATTEMPTS:
        log.warning("timing of clip %s failed (%s); trying once more later", clip.pk, exc.code)
        return {
            "timing_state": State.PENDING,
            "timing_attempts": attempts,
            "timing_next_at": timezone.now() + TIMING_RETRY_AFTER,
        }
    log.warning("no karaoke for clip %s: %s (%s)", clip.pk, exc.code, exc.message)
    return {"timing_state": State.FAILED, "timing_attempts": attempts, "timing_next_at": None}


# --- In a job of its own: the one later try, uploads and older clips ----------------------------


def clip_timing_schedule(*, clip: Clip) -> bool:
    """Queue the fetch of the clip's words (on commit) when it has any and the gateway offers timing."""
    if not wants_timing(clip) or not _timing_offered(clip):
        return False
    claimed = Clip.objects.filter(pk=clip.pk, timing_state=State.NONE).update(
        timing_state=State.PENDING, timing_next_at=timezone.now() + TIMING_LEASE
    )
    if claimed:
        clip.timing_state = State.PENDING
        transaction.on_commit(lambda: _enqueue(clip.pk))
    return bool(claimed)


def _enqueue(clip_pk: int) -> bool:
    return job_enqueue("timing", clip_pk, name=f"timing-{clip_pk}")


def _claim(clip_pk: int) -> Clip | None:
    """Take the clip for one attempt; a second copy of the job running at once loses the race."""
    attempts = (
        Clip.objects.filter(pk=clip_pk, timing_state=State.PENDING)
        .values_list("timing_attempts", flat=True)
        .first()
    )
    if attempts is None:
        return None
    won = Clip.objects.filter(pk=clip_pk, timing_state=State.PENDING, timing_attempts=attempts).update(
        timing_attempts=F("timing_attempts") + 1, timing_next_at=timezone.now() + TIMING_LEASE
    )
    return Clip.objects.filter(pk=clip_pk).first() if won else None


def clip_timing_fetch(*, clip_pk: int, gateway: Gateway | None = None) -> None:
    """In a worker: ask the gateway for the clip's sung words and keep them (the karaoke lyrics)."""
    sketch = Clip.objects.filter(pk=clip_pk, task__sketch=True).exists()
    if not sketch and not selectors.gateway_capabilities().timing:
        # Learnt missing (or switched off) since it was queued: not asked.
        if Clip.objects.filter(pk=clip_pk, timing_state=State.PENDING).update(
            timing_state=State.NONE, timing_next_at=None
        ):
            card_touch(task_id=Clip.objects.filter(pk=clip_pk).values_list("task_id", flat=True).first())
        return
    clip = _claim(clip_pk)
    if clip is None:
        return
    try:
        with gateway_for(gateway, sketch=sketch) as gateway:
            words = gateway.fetch_timing(clip_id=clip.upstream_id, task_id=clip.task.upstream_id)
            fields = _words_kept(clip, words)
    except GatewayError as exc:
        fields = _failure(clip, exc, attempts=clip.timing_attempts)
    Clip.objects.filter(pk=clip.pk).update(**fields)
    if fields["timing_state"] != State.PENDING:
        card_touch(task_id=clip.task_id)


def timing_resume_due(*, now=None) -> int:
    """Queue the timing fetches whose retry time has come, or whose job was lost."""
    now = now or timezone.now()
    due = list(
        Clip.objects.filter(timing_state=State.PENDING, timing_next_at__lte=now).values_list("pk", flat=True)[
            :200
        ]
    )
    for pk in due:
        Clip.objects.filter(pk=pk).update(timing_next_at=now + TIMING_LEASE)
        if Clip.objects.filter(pk=pk, timing_attempts__gte=TIMING_MAX_ATTEMPTS).exists():
            # Its last try never finished (its worker died): no karaoke.
            Clip.objects.filter(pk=pk).update(timing_state=State.FAILED, timing_next_at=None)
            card_touch(task_id=Clip.objects.filter(pk=pk).values_list("task_id", flat=True).first())
        else:
            _enqueue(pk)
    return len(due)


def clips_backfill(*, batch: int = 200) -> int:
    """Clips stored before waveforms existed: peaks now, words queued (``manage.py clip_waveforms``).

    Walks every such clip once, oldest first, in batches; one whose audio cannot be read is logged and left.
    """
    done, after = 0, 0
    while True:
        pks = list(
            Clip.objects.filter(media_state=State.STORED, peaks="", pk__gt=after)
            .exclude(audio_file="")
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not pks:
            return done
        for pk in pks:
            clip_audio_stored(clip_pk=pk)
        done, after = done + len(pks), pks[-1]
