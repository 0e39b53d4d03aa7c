"""The seed documents the gateway protocol was learnt from, copied here as they were (the .txt files beside
this module), and request bodies copied from them exactly, for tests on both sides."""

from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent

# 000_*.txt, "场景3 生成自定义音乐(纯音乐)": a v2 generate body, nulls included.
SEED_V2_GENERATE_BODY = {
    "prompt": "",
    "tags": "heavy metal",
    "mv": "chirp-v3-5",
    "title": "Starry ",
    "continue_clip_id": None,
    "continue_at": None,
    "infill_start_s": None,
    "infill_end_s": None,
}
