"""The studio's tables, one module an area; import them from here (``from songs.models import Clip``)."""

from __future__ import annotations

from songs.models.accounts import SignupRecord, UserLanguage
from songs.models.clips import COPIES_PENDING, Clip, ClipLike, ClipTiming, ShareLink, Upload, video_awaited
from songs.models.extras import GatewayFeature, Persona, StyleBoost
from songs.models.projects import LyricDraft, LyricRevision, Project
from songs.models.tasks import GenerationTask
from songs.models.teams import ROLE_RANK, Invite, Membership, Role, Team

__all__ = [
    "COPIES_PENDING",
    "Clip",
    "ClipLike",
    "ClipTiming",
    "GatewayFeature",
    "GenerationTask",
    "Invite",
    "LyricDraft",
    "LyricRevision",
    "Membership",
    "Persona",
    "Project",
    "ROLE_RANK",
    "Role",
    "ShareLink",
    "SignupRecord",
    "StyleBoost",
    "Team",
    "Upload",
    "UserLanguage",
    "video_awaited",
]
