from django.urls import path

from engine import views

app_name = "engine"
urlpatterns = [
    path("suno/submit/music", views.submit_music, name="submit_music"),
    path("suno/submit/lyrics", views.submit_lyrics, name="submit_lyrics"),
    path("suno/fetch/<str:task_id>", views.fetch_one, name="fetch_one"),
    path("suno/fetch", views.fetch_many, name="fetch_many"),
    path("suno/media/<str:clip_id>.<str:kind>", views.media, name="media"),
]
