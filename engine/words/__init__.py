"""The words: lyric writing in English and Chinese, inspiration mode, moods, and the lettering of covers."""
