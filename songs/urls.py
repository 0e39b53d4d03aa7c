from django.urls import path

from songs import views

app_name = "songs"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/songs/", views.song_create, name="song_create"),
    path("projects/<int:pk>/updates/", views.project_updates, name="project_updates"),
    path("clips/<uuid:uid>/<str:kind>", views.clip_media, name="clip_media"),
]
