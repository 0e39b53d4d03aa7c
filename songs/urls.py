from django.urls import path

from songs import views, views_clips

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
]
