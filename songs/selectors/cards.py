"""The project page: its cards (a task with its clips), their chains and extras, and its lyrics."""

from __future__ import annotations

from django.db import connection
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404

from songs.models import (
    Clip,
    GenerationTask,
    LyricDraft,
    Persona,
    Project,
    Role,
)
from songs.selectors.access import _allowed, pending
from songs.selectors.library import with_liked_by


def _live_clips() -> QuerySet[Clip]:
    """The clips not in the trash, for a page's cards (the clips of its tasks: ``task_id IN (...)``).

    Said as "not trashed" rather than "trashed_at IS NULL": SQLite, without statistics, reads the latter
    through the trashed_at index, i.e. every live clip of the studio (3 ms a page at 10,000 clips)."""
    return Clip.objects.exclude(trashed_at__isnull=False)


def card_tasks(*, project: Project) -> QuerySet[GenerationTask]:
    """The requests that are cards: music, whole-song and upload ones (lyrics, personas, stems and renders
    are not; stems and renders show on their source clip's card). Bare rows: ``project_cards`` adds what a
    card draws."""
    Action = GenerationTask.Action
    tasks = project.tasks.exclude(action__in=(Action.LYRICS, Action.PERSONA, Action.RENDER))
    return tasks.exclude(mode=GenerationTask.Mode.STEMS).exclude(STITCH)


# A replaced section put back into its song: drawn on the Replace section card (attach_extras), not alone.
STITCH = Q(action=GenerationTask.Action.CONCAT, mode=GenerationTask.Mode.INFILL)


def project_cards(*, project: Project, changed_since=None, among=None) -> QuerySet[GenerationTask]:
    """Music, whole-song and upload requests with their clips, newest first: one card each (of those with
    the ids in ``among``, when given: the cards a page shows)."""
    tasks = card_tasks(project=project)
    if among is not None:
        tasks = tasks.filter(pk__in=among)
    if changed_since is not None:
        # A card also changes when the stems of one of its clips move on, or the song a replaced section
        # is put back into (and that song's stems).
        riders = GenerationTask.objects.filter(changed_at__gt=changed_since).filter(
            Q(mode=GenerationTask.Mode.STEMS, parent_clip__task=OuterRef("pk"))
            | Q(STITCH, parent_clip__task=OuterRef("pk"))
            | Q(mode=GenerationTask.Mode.STEMS, parent_clip__task__parent_clip__task=OuterRef("pk"))
            | Q(action=GenerationTask.Action.RENDER, parent_clip__task=OuterRef("pk"))
        )
        tasks = tasks.filter(Q(changed_at__gt=changed_since) | Exists(riders))
    stems = GenerationTask.objects.filter(mode=GenerationTask.Mode.STEMS, parent_clip__task=OuterRef("pk"))
    tasks = tasks.annotate(has_stems=Exists(stems))  # read in the same query: attach_extras needs no other
    renders = GenerationTask.objects.filter(
        action=GenerationTask.Action.RENDER, parent_clip__task=OuterRef("pk")
    )
    tasks = tasks.annotate(has_renders=Exists(renders))
    live = _live_clips().select_related("parent").order_by("id")
    clips = with_liked_by(live, user_id=project.membership.user_id)
    return (
        tasks.select_related("parent_clip", "upload")
        .defer("last_response")  # the gateway's whole answer (kilobytes of JSON): no card shows it
        .prefetch_related(Prefetch("clips", queryset=clips))
        .order_by("-created_at")
    )


def cards_new_from_others(*, project: Project, user, newer_than: int, shown: list[int]) -> int:
    """How many cards others of the team added since a page showed ``newer_than`` as its newest (the page
    draws none of them; it offers to show them): one count."""
    return (
        card_tasks(project=project).filter(pk__gt=newer_than).exclude(pk__in=shown).exclude(user=user).count()
    )


def attach_extras(*, tasks: list[GenerationTask]) -> None:
    """Give each card's clips their stems requests (``clip.stem_requests``, newest first, with clips), and
    each persona song its persona's name (``clip.persona_name``).

    Cards without stems (``has_stems``, read with the cards) and without persona songs cost no query.
    """
    _attach_stitches(tasks)
    with_stems = [task for task in tasks if getattr(task, "has_stems", False) or task.card_clips is not None]
    on_page = {clip.pk: clip for task in with_stems for clip in _card_clips(task)}
    if on_page:
        stems = _live_clips().order_by("id")
        requests = (
            GenerationTask.objects.filter(mode=GenerationTask.Mode.STEMS, parent_clip_id__in=on_page)
            .prefetch_related(Prefetch("clips", queryset=stems))
            .order_by("-pk")
        )
        for request in requests:
            clip = on_page[request.parent_clip_id]
            clip.stem_requests = [*getattr(clip, "stem_requests", []), request]
    _attach_renders(tasks)
    sung = [task for task in tasks if (task.request_payload or {}).get("task") == "artist_consistency"]
    if sung:
        ids = {task.request_payload.get("persona_id") or "" for task in sung}
        names = dict(Persona.objects.filter(upstream_id__in=ids).values_list("upstream_id", "name"))
        for task in sung:
            for clip in task.clips.all():
                clip.persona_name = names.get(task.request_payload.get("persona_id") or "", "")


def _attach_renders(tasks: list[GenerationTask]) -> None:
    """Give each clip the newest request of each render it has (``clip.renders``: {"wav" | "video": task}),
    in one query, only when the page has cards with renders (``has_renders``)."""
    on_page = {
        clip.pk: clip for task in tasks if getattr(task, "has_renders", False) for clip in _card_clips(task)
    }
    if not on_page:
        return
    found = GenerationTask.objects.filter(action=GenerationTask.Action.RENDER, parent_clip_id__in=on_page)
    for request in found.defer("last_response").order_by("pk"):  # the newest of each kind wins
        clip = on_page[request.parent_clip_id]
        clip.renders = {**clip.renders, request.mode: request}


def _card_clips(task: GenerationTask) -> list[Clip]:
    return task.card_clips or list(task.clips.all())


def _attach_stitches(tasks: list[GenerationTask]) -> None:
    """Replace section cards show the whole song each section was put back into (``task.card_clips``):
    the stitched clip in the section's place once it is made, else the section with its stitch
    (``clip.stitch``) still running or failed (``task.stitching`` while one runs). One query, only when
    the page has such cards."""
    infill = (GenerationTask.Mode.INFILL, GenerationTask.Action.MUSIC)
    infills = [task for task in tasks if (task.mode, task.action) == infill]
    fragments = {clip.pk: clip for task in infills for clip in task.clips.all()}
    if not fragments:
        return
    live = _live_clips().select_related("parent").order_by("id")
    user_id = infills[0].project.membership.user_id
    stitches = (
        GenerationTask.objects.filter(STITCH, parent_clip_id__in=fragments)
        .prefetch_related(Prefetch("clips", queryset=with_liked_by(live, user_id=user_id)))
        .order_by("pk")
    )
    for stitch in stitches:  # the newest wins: "Stitch into the song" again after a failure
        fragments[stitch.parent_clip_id].stitch = stitch
    for task in infills:
        task.card_clips, task.stitching = [], False
        for fragment in task.clips.all():
            stitch = fragment.stitch
            done = stitch is not None and stitch.status == GenerationTask.Status.SUCCEEDED
            whole = list(stitch.clips.all()) if done else []
            for clip in whole:
                clip.stitched_from = fragment
            task.card_clips.extend(whole or [fragment])
            task.stitching = task.stitching or (stitch is not None and stitch.is_pending)


# A first screenful and some: older cards load as the reader scrolls to the end (cards_more.html).
CARDS_PER_PAGE = 10


def project_cards_page(
    *, project: Project, before: int | None = None, size: int = CARDS_PER_PAGE
) -> tuple[list[GenerationTask], int | None]:
    """One page of cards, newest first, and the key of the next (older) page, or None at the end.

    The page's "Song so far" lines are worked out here from one query (``attach_chains``): the size and the
    query count of a project page do not grow with the library.
    """
    tasks = project_cards(project=project).order_by("-pk")
    if before is not None:
        tasks = tasks.filter(pk__lt=before)
    page = list(tasks[: size + 1])
    older = page[size - 1].pk if len(page) > size else None
    page = page[:size]
    attach_chains(project=project, tasks=page)
    attach_extras(tasks=page)
    return page, older


def attach_chains(*, project: Project, tasks: list[GenerationTask]) -> None:
    """Give each card's clips the continuation chain that ends at them (``clip.chain``), oldest first.

    One recursive query walks up from the page's continuations and reads only the clips their chains hold
    (a few per card), never every clip of the project: the page costs the same at 100 clips or 10,000.
    """
    on_page = [clip for task in tasks for clip in task.clips.all()]
    starts = [clip.pk for clip in on_page if clip.parent_id and clip.continue_at is not None]
    if not starts:
        return  # no continuation on this page: nothing to walk, no query
    rows = _chain_ancestors(project_id=project.pk, clip_ids=starts, limit=20)
    for clip in on_page:
        if clip.pk in rows:
            clip.chain = _chain_rows(rows, clip.pk)


def _chain_ancestors(*, project_id: int, clip_ids: list[int], limit: int) -> dict[int, dict]:
    """The given clips and the parents their continuations come from, up to ``limit`` steps: one query."""
    table = connection.ops.quote_name(Clip._meta.db_table)
    marks = ", ".join(["%s"] * len(clip_ids))
    sql = f"""
        WITH RECURSIVE up(id, parent_id, continue_at, duration, title, depth) AS (
            SELECT id, parent_id, continue_at, duration, title, 0 FROM {table}
            WHERE project_id = %s AND id IN ({marks})
          UNION
            SELECT c.id, c.parent_id, c.continue_at, c.duration, c.title, up.depth + 1
            FROM {table} c JOIN up ON c.id = up.parent_id
            WHERE c.project_id = %s AND up.continue_at IS NOT NULL AND up.depth < %s
        )
        SELECT DISTINCT id, parent_id, continue_at, duration, title FROM up
    """  # noqa: S608 - only the table name (ours) and placeholders are formatted in
    fields = ("id", "parent_id", "continue_at", "duration", "title")
    with connection.cursor() as cursor:
        cursor.execute(sql, [project_id, *clip_ids, project_id, limit])
        return {row[0]: dict(zip(fields, row, strict=True)) for row in cursor.fetchall()}


def _chain_rows(rows: dict[int, dict], clip_id: int, limit: int = 20) -> list[dict]:
    chain = [rows[clip_id]] if clip_id in rows else []
    while (
        chain and chain[0]["parent_id"] in rows and chain[0]["continue_at"] is not None and len(chain) < limit
    ):
        chain.insert(0, rows[chain[0]["parent_id"]])
    return chain


def clip_card(*, clip: Clip) -> GenerationTask | None:
    """The card (a task with its clips) a clip sits on, as the project page shows it; None for none.

    ``clip`` comes from ``clip_for_user``, so its project gets the reader's membership for the template.
    """
    project = clip.project
    project.membership = clip.membership
    card_id = clip.task_id
    if clip.task.action == GenerationTask.Action.CONCAT and clip.task.mode == GenerationTask.Mode.INFILL:
        card_id = Clip.objects.filter(pk=clip.task.parent_clip_id).values_list("task_id", flat=True).first()
    task = project_cards(project=project).filter(pk=card_id).first()
    if task is not None:
        attach_chains(project=project, tasks=[task])
        attach_extras(tasks=[task])
    return task


def project_has_pending(*, project: Project) -> bool:
    """A request still running, or a copy still downloading: one query (none if read with the project)."""
    if hasattr(project, "has_pending"):
        return project.has_pending
    return Project.objects.filter(pk=project.pk).filter(pending()).exists()


def draft_for_user(*, user, pk: int, role: str = Role.VIEWER) -> LyricDraft:
    draft = LyricDraft.objects.select_related("project__team").filter(pk=pk).first()
    if draft is None:
        raise Http404("No such draft.")
    return _allowed(draft, user=user, team_id=draft.project.team_id, role=role)


def project_lyrics(*, project: Project) -> dict:
    """The lyrics panel: drafts, plus lyrics requests still running or failed without a draft."""
    # "Not succeeded" said as the statuses that are not: read through (project, status), not every task.
    unfinished = set(GenerationTask.Status) - {GenerationTask.Status.SUCCEEDED}
    tasks = project.tasks.filter(
        action=GenerationTask.Action.LYRICS, drafts__isnull=True, status__in=sorted(unfinished)
    ).order_by("-created_at")[:5]
    drafts = project.drafts.filter(trashed_at__isnull=True).order_by("-updated_at")
    return {"drafts": drafts, "lyric_tasks": tasks}


def lyrics_changed_since(*, project: Project, since) -> bool:
    return project.tasks.filter(action=GenerationTask.Action.LYRICS, changed_at__gt=since).exists()


def clip_chain(*, clip: Clip, limit: int = 20) -> list[Clip]:
    """The continuation chain that ends at this clip, oldest first (parents are few and cached)."""
    chain = [clip]
    while chain[0].parent_id and chain[0].continue_at is not None and len(chain) < limit:
        chain.insert(0, chain[0].parent)
    return chain
