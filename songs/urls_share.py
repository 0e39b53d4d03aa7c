"""Public share links (owned by the sharing work)."""

urlpatterns: list = []
