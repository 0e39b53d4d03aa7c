"""Crash drill across processes (issue 10, item 3): the real poller and worker as processes of their own,
killed with SIGKILL mid-work and started again, against the built-in engine over HTTP (no mocks). The
kills start once every request is sent (polls, ingest, copies): a worker killed mid-submit leaves the
outcome unknown, which by design is never sent again, so that task fails (credits back) after 2 minutes.

Nothing may be lost or done twice: every song ends with its two clips, no clip is made twice, no copy is
stored twice, and every stored file is complete (its SHA-256 matches what the download measured).
"""

from __future__ import annotations

from scripts.crashdrill import drill_studio

SONGS = 6


def test_killing_poller_and_worker_mid_work_loses_nothing_and_does_nothing_twice():
    with drill_studio(pollers=1, workers=1) as studio:
        studio.songs_make(SONGS)
        studio.wait_sent(timeout=20)
        studio.kill_rounds(rounds=3, seconds=(1.0, 2.5))
        result = studio.wait_done(timeout=50)

    assert result["kills"] == 6
    assert result["statuses"] == {"succeeded": SONGS}, result  # 0 lost
    assert result["clips"] == 2 * SONGS and result["clips_per_task_max"] == 2, result  # 0 duplicate clips
    assert result["stored"] == 2 * SONGS and result["copies_pending"] == 0, result
    assert result["duplicate_downloads"] == 0, result
    assert result["broken_files"] == [], result  # every stored file complete
