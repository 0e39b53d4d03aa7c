from django.urls import path

from songs import views

app_name = "songs"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/songs/", views.song_create, name="song_create"),
    path("projects/<int:pk>/updates/", views.project_updates, name="project_updates"),
    path("projects/<int:pk>/lyrics/", views.lyrics_write, name="lyrics_write"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft_detail"),
    path("drafts/<int:pk>/restore/<int:number>/", views.draft_restore, name="draft_restore"),
    path("clips/<uuid:uid>/<str:kind>", views.clip_media, name="clip_media"),
]
