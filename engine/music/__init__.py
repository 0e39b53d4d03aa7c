"""The music: plans, tunes, arrangement, instruments and mastering, in numpy; no database, no files."""
