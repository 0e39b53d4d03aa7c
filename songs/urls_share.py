"""Public share links: made and stopped in the studio, opened by anyone who has one."""

from django.urls import path

from songs import views_share

urlpatterns = [
    path("clips/<uuid:uid>/share/", views_share.clip_share, name="clip_share"),
    path("projects/<int:pk>/share/", views_share.project_share, name="project_share"),
    path("shares/<int:pk>/revoke/", views_share.share_revoke, name="share_revoke"),
    path("s/<str:token>/", views_share.share_page, name="share_page"),
    path("s/<str:token>/media/<uuid:uid>/<str:kind>", views_share.share_media, name="share_media"),
]
