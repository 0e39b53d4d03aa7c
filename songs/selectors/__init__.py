"""Read-only queries. Views and services read through these (``selectors.project_for_user``...); they never
change anything. One module an area: access, cards (the project page), library, sharing, teams, exports.
"""

from songs.selectors.access import (  # noqa: F401
    clip_for_user,
    format_offers_model_choice,
    gateway_capabilities,
    membership_of,
    project_for_user,
    projects_for_user,
    sketch_offered,
    team_for_user,
    teams_for_user,
    user_language,
)
from songs.selectors.cards import (  # noqa: F401
    CARDS_PER_PAGE,
    attach_chains,
    attach_extras,
    cards_new_from_others,
    clip_card,
    clip_chain,
    draft_for_user,
    lyrics_changed_since,
    project_cards,
    project_cards_page,
    project_has_pending,
    project_lyrics,
)
from songs.selectors.exports import (  # noqa: F401
    ExportSong,
    export_songs,
)
from songs.selectors.library import (  # noqa: F401
    MAX_SEARCH_WORDS,
    TRASH_LIMIT,
    ClipFilters,
    editable_team_ids,
    library_clip,
    library_clips,
    mode_choices,
    model_choices,
    search_words,
    trashed_clips,
    trashed_drafts,
    with_liked_by,
)
from songs.selectors.sharing import (  # noqa: F401
    clip_is_shareable,
    live_clip_shares,
    live_shares,
    pick_link,
    share_can_revoke,
    share_for_token,
    share_link_for_user,
    share_team_id,
    shareable_clips,
    shared_clip,
    shared_clips,
    shared_clips_summary,
)
from songs.selectors.teams import (  # noqa: F401
    boost_for_user,
    credits_used_today,
    ready_personas,
    team_personas,
    with_credits_used_today,
)
