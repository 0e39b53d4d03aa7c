"""The singing voice: who sings (voices), and how the words sound (syllables, pinyin)."""
