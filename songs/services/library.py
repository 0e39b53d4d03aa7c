"""The team library's writes: likes, trash and restore, renaming. Reads live in songs.selectors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from songs.models import Clip, ClipLike, LyricDraft
from songs.services.common import card_touch

TITLE_MAX = Clip._meta.get_field("title").max_length


def clip_like_toggle(*, clip: Clip, user, liked: bool | None = None) -> bool:
    """Like or unlike; returns the new state. None flips it; a bool sets it, so a double click is harmless."""
    mine = ClipLike.objects.filter(clip=clip, user=user)
    if liked is None:
        liked = not mine.exists()
    if liked:
        ClipLike.objects.get_or_create(clip=clip, user=user)  # the unique constraint settles a race
    else:
        mine.delete()
    return liked


def clip_trash(*, clip: Clip) -> Clip:
    """Move to trash (it leaves the project page and the library); trashing twice keeps the first time."""
    now = timezone.now()
    if Clip.objects.filter(pk=clip.pk, trashed_at__isnull=True).update(trashed_at=now):
        clip.trashed_at = now
        card_touch(task_id=clip.task_id)
    else:
        clip.refresh_from_db(fields=["trashed_at"])
    return clip


def clip_restore(*, clip: Clip) -> Clip:
    if Clip.objects.filter(pk=clip.pk, trashed_at__isnull=False).update(trashed_at=None):
        card_touch(task_id=clip.task_id)
    clip.trashed_at = None
    return clip


def clip_rename(*, clip: Clip, title: str) -> Clip:
    """A new title, 1 to 200 characters (spaces around it do not count)."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give it a title."})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": f"At most {TITLE_MAX} characters (this has {len(title)})."})
    clip.title = title
    clip.clean_fields(exclude=[f.name for f in Clip._meta.concrete_fields if f.name != "title"])
    clip.save(update_fields=["title", "updated_at"])
    card_touch(task_id=clip.task_id)
    return clip


def draft_trash(*, draft: LyricDraft) -> LyricDraft:
    now = timezone.now()
    if LyricDraft.objects.filter(pk=draft.pk, trashed_at__isnull=True).update(trashed_at=now):
        draft.trashed_at = now
    else:
        draft.refresh_from_db(fields=["trashed_at"])
    return draft


def draft_restore_from_trash(*, draft: LyricDraft) -> LyricDraft:
    LyricDraft.objects.filter(pk=draft.pk).update(trashed_at=None)
    draft.trashed_at = None
    return draft
