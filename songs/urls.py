"""Every URL of the studio, in one file, grouped by area."""

from django.conf import settings
from django.urls import path

from songs.views import (
    callbacks,
    clips,
    drafts,
    export,
    karaoke,
    library,
    projects,
    sharing,
    studio_extras,
    teams,
)

app_name = "songs"

project_urls = [
    path("", projects.project_list, name="project_list"),
    path("projects/<int:pk>/", projects.project_detail, name="project_detail"),
    path("projects/<int:pk>/songs/", projects.song_create, name="song_create"),
    path("projects/<int:pk>/continue/", projects.continue_form, name="continue_form"),
    path("projects/<int:pk>/updates/", projects.project_updates, name="project_updates"),
    path("projects/<int:pk>/older/", projects.project_cards_older, name="project_cards_older"),
    path("projects/<int:pk>/settings/", teams.project_settings, name="project_settings"),
]

lyrics_urls = [
    path("projects/<int:pk>/lyrics/", drafts.lyrics_write, name="lyrics_write"),
    path("drafts/<int:pk>/", drafts.draft_detail, name="draft_detail"),
    path("drafts/<int:pk>/restore/<int:number>/", drafts.draft_restore, name="draft_restore"),
]

clip_urls = [
    path("projects/<int:pk>/uploads/", clips.upload_create, name="upload_create"),
    path("clips/<uuid:uid>/whole-song/", clips.whole_song, name="whole_song"),
    path("clips/<uuid:uid>/copy-again/", clips.clip_media_retry, name="clip_media_retry"),
    path("clips/<uuid:uid>/karaoke/", karaoke.clip_karaoke, name="clip_karaoke"),
    path("clips/<uuid:uid>/lyrics/<str:kind>", karaoke.clip_lyrics_file, name="clip_lyrics_file"),
    path("clips/<uuid:uid>/stems/", studio_extras.stems_split, name="stems_split"),
    path("clips/<uuid:uid>/render/<str:kind>/", studio_extras.clip_render, name="clip_render"),
    path("clips/<uuid:uid>/cover/", studio_extras.cover_create, name="cover_create"),
    path("clips/<uuid:uid>/add-part/", studio_extras.add_part_create, name="add_part_create"),
    path("clips/<uuid:uid>/persona/", studio_extras.persona_create, name="persona_create"),
    path("personas/<int:pk>/", studio_extras.persona_state, name="persona_state"),
    path("projects/<int:pk>/boost/", studio_extras.boost_create, name="boost_create"),
    path("boosts/<uuid:uid>/", studio_extras.boost_state, name="boost_state"),
    path("clips/<uuid:uid>/<str:kind>", clips.clip_media, name="clip_media"),
    # The gateway fetches an upload through this signed, expiring link.
    path(settings.UPLOAD_LINK_PATH.lstrip("/") + "<str:token>", clips.upload_public, name="upload_public"),
    # A gateway calls back here (songs.services.callbacks): the token is the key, no login.
    path("hooks/gateway/<str:token>/", callbacks.gateway_callback, name="gateway_callback"),
]

team_urls = [
    path("teams/", teams.team_list, name="team_list"),
    path("teams/<int:pk>/", teams.team_detail, name="team_detail"),
    path("teams/<int:pk>/invites/", teams.invite_create, name="invite_create"),
    path("teams/<int:pk>/members/<int:member_pk>/", teams.member_update, name="member_update"),
    path("teams/<int:pk>/members/<int:member_pk>/remove/", teams.member_remove, name="member_remove"),
    path("invites/<str:token>/", teams.invite_accept, name="invite_accept"),
]

sharing_urls = [
    path("clips/<uuid:uid>/share/", sharing.clip_share, name="clip_share"),
    path("projects/<int:pk>/share/", sharing.project_share, name="project_share"),
    path("shares/<int:pk>/revoke/", sharing.share_revoke, name="share_revoke"),
    # Opened by anyone who has the link.
    path("s/<str:token>/", sharing.share_page, name="share_page"),
    path("s/<str:token>/media/<uuid:uid>/<str:kind>", sharing.share_media, name="share_media"),
]

library_urls = [
    path("library/", library.library_page, name="library"),
    path("library/trash/", library.trash_page, name="library_trash"),
    path("library/clips/<uuid:uid>/like/", library.clip_like, name="clip_like"),
    path("library/clips/<uuid:uid>/menu/", library.clip_menu, name="clip_menu"),
    path("library/clips/<uuid:uid>/trash/", library.clip_trash, name="clip_trash"),
    path("library/clips/<uuid:uid>/restore/", library.clip_restore, name="clip_restore"),
    path("library/clips/<uuid:uid>/rename/", library.clip_rename, name="clip_rename"),
    path("library/drafts/<int:pk>/trash/", library.draft_trash, name="draft_trash"),
    path(
        "library/drafts/<int:pk>/restore/", library.draft_restore_from_trash, name="draft_restore_from_trash"
    ),
]

export_urls = [
    path("clips/<uuid:uid>/export/", export.clip_export, name="clip_export"),
    path("projects/<int:pk>/export/", export.project_export, name="project_export"),
]

urlpatterns = [
    *project_urls,
    *lyrics_urls,
    *clip_urls,
    *team_urls,
    *sharing_urls,
    *library_urls,
    *export_urls,
]
