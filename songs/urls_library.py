"""The team library, likes, trash (owned by the library work)."""

urlpatterns: list = []
