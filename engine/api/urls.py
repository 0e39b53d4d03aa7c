from django.urls import path

from engine.api import views_media, views_sunoapi, views_task, views_v2

app_name = "engine"
urlpatterns = [
    # Any action, in any case: unknown ones answer invalid_request in JSON, never an HTML 404.
    path("suno/submit/<path:action>", views_task.submit, name="submit"),
    path("suno/submit/", views_task.submit, {"action": ""}, name="submit_nothing"),
    path("sunoapi/uploads/audio-url", views_task.upload_audio_url, name="upload_audio_url"),
    path("suno/fetch/<str:task_id>", views_task.fetch_one, name="fetch_one"),
    path("suno/fetch", views_task.fetch_many, name="fetch_many"),
    path("suno/v2/generate", views_v2.generate, name="v2_generate"),
    path("suno/v2/feed", views_v2.feed, name="v2_feed"),
    path("suno/media/<str:clip_id>.<str:kind>", views_media.media, name="media"),
    # the reseller's SunoAPI-style calls (docs/protocol.md section 7)
    path("suno/generate", views_sunoapi.generate, name="generate"),
    path("suno/generate/concat", views_sunoapi.generate_concat, name="generate_concat"),
    path("suno/feed/<str:ids>", views_sunoapi.feed, name="feed"),
    path("suno/act/timing/<str:clip_id>", views_sunoapi.timing, name="timing"),
    path("suno/act/tags", views_sunoapi.tags, name="tags"),
    path("suno/persona/create/", views_sunoapi.persona_create, name="persona_create"),
]
