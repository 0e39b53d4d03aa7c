from django.urls import path

from songs import urls_library, urls_share, views, views_clips, views_teams

app_name = "songs"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/songs/", views.song_create, name="song_create"),
    path("projects/<int:pk>/continue/", views.continue_form, name="continue_form"),
    path("projects/<int:pk>/updates/", views.project_updates, name="project_updates"),
    path("projects/<int:pk>/lyrics/", views.lyrics_write, name="lyrics_write"),
    path("projects/<int:pk>/uploads/", views_clips.upload_create, name="upload_create"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft_detail"),
    path("drafts/<int:pk>/restore/<int:number>/", views.draft_restore, name="draft_restore"),
    path("clips/<uuid:uid>/whole-song/", views_clips.whole_song, name="whole_song"),
    path("clips/<uuid:uid>/<str:kind>", views_clips.clip_media, name="clip_media"),
    path("u/<str:token>", views_clips.upload_public, name="upload_public"),
    path("projects/<int:pk>/settings/", views_teams.project_settings, name="project_settings"),
    path("teams/", views_teams.team_list, name="team_list"),
    path("teams/<int:pk>/", views_teams.team_detail, name="team_detail"),
    path("teams/<int:pk>/invites/", views_teams.invite_create, name="invite_create"),
    path("teams/<int:pk>/members/<int:member_pk>/", views_teams.member_update, name="member_update"),
    path("teams/<int:pk>/members/<int:member_pk>/remove/", views_teams.member_remove, name="member_remove"),
    path("invites/<str:token>/", views_teams.invite_accept, name="invite_accept"),
    *urls_share.urlpatterns,
    *urls_library.urlpatterns,
]
