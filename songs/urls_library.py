"""The team library, likes, trash (owned by the library work)."""

from django.urls import path

from songs import views_library

urlpatterns = [
    path("library/", views_library.library_page, name="library"),
    path("library/trash/", views_library.trash_page, name="library_trash"),
    path("library/clips/<uuid:uid>/like/", views_library.clip_like, name="clip_like"),
    path("library/clips/<uuid:uid>/trash/", views_library.clip_trash, name="clip_trash"),
    path("library/clips/<uuid:uid>/restore/", views_library.clip_restore, name="clip_restore"),
    path("library/clips/<uuid:uid>/rename/", views_library.clip_rename, name="clip_rename"),
    path("library/drafts/<int:pk>/trash/", views_library.draft_trash, name="draft_trash"),
    path(
        "library/drafts/<int:pk>/restore/",
        views_library.draft_restore_from_trash,
        name="draft_restore_from_trash",
    ),
]
