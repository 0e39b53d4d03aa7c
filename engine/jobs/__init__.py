"""The engine's work outside a request: render jobs and their lifecycle, the clips' media and storage.

A job queued before the engine had packages names its function "engine.jobs.render_task" or
"engine.jobs.render_video"; those paths still lead to the jobs, so nothing queued across an upgrade is lost.
"""

from engine.jobs.lifecycle import render_task as render_task
from engine.jobs.lifecycle import render_video as render_video
