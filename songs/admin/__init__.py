"""Staff review in the Django admin (staff only: the admin site itself requires is_staff).

Generation tasks are read-only records of what the system did; staff act on them with the
actions (poll now, retry a failed request, cancel with a reason), each a thin call into
songs/services/review.py. Clips can be hidden from sharing, share links revoked, and team quotas
(daily_credits) are edited in the Teams list, next to what each team used today.

The background queue is django-q2's own admin, under "Django Q" on /admin/: Queued tasks
(waiting for a worker), Successful tasks, Failed tasks and Scheduled tasks (the minutely poll cycle).
"""

from songs.admin import extras, gateway, library, tasks, teams  # noqa: F401  (registers the ModelAdmins)
