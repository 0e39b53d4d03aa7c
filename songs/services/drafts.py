"""Lyric drafts and their revisions: every save is a new version; restore makes an old one the newest."""

from __future__ import annotations

from django.db import transaction

from songs.models import GenerationTask, LyricDraft, LyricRevision, Project


def draft_create(
    *,
    project: Project,
    user,
    title: str,
    text: str,
    prompt: str = "",
    task: GenerationTask | None = None,
    note: str = "First version",
) -> LyricDraft:
    with transaction.atomic():
        draft = LyricDraft(
            project=project, created_by=user, title=title[:200], text=text, prompt=prompt[:500], task=task
        )
        draft.full_clean()
        draft.save()
        _revision_add(draft=draft, user=user, note=note)
    return draft


def _revision_add(*, draft: LyricDraft, user, note: str) -> LyricRevision:
    latest = draft.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return LyricRevision.objects.create(
        draft=draft, number=latest + 1, title=draft.title, text=draft.text, note=note, created_by=user
    )


def draft_save(*, draft: LyricDraft, user, title: str, text: str) -> bool:
    """Save an edit as a new revision. Returns False when nothing changed (no empty revisions)."""
    if draft.title == title and draft.text == text:
        return False
    with transaction.atomic():
        LyricDraft.objects.select_for_update().filter(pk=draft.pk).first()  # one editor at a time
        draft.title, draft.text = title[:200], text
        draft.full_clean()
        draft.save(update_fields=["title", "text", "updated_at"])
        _revision_add(draft=draft, user=user, note="Edited")
    return True


def draft_restore(*, draft: LyricDraft, revision: LyricRevision, user) -> None:
    """Bring back an earlier version as the newest one; the versions in between stay."""
    if revision.draft_id != draft.pk:
        raise ValueError("That revision belongs to another draft.")
    with transaction.atomic():
        draft.title, draft.text = revision.title, revision.text
        draft.save(update_fields=["title", "text", "updated_at"])
        _revision_add(draft=draft, user=user, note=f"Restored version {revision.number}")
