# English dates as the studio has always shown them ("30 Nov 2026, 21:05"); other languages use Django's.
SHORT_DATETIME_FORMAT = "j M Y, H:i"
