"""Answer shapes from the gateways' documentation that the studio once misread (issue 18)."""

CONCAT_CLIP = {
    "id": "d1f0c9a2-5e4b-4c3a-9f8e-7d6c5b4a3f2e",
    "status": "queued",
    "title": "工作",
    "audio_url": "",
    "metadata": {
        "type": "concat",
        "concat_history": [
            {"id": "a4715524-2d32-4ce3-a3dc-7e73d0705a98", "continue_at": 30.0},
            {"id": "ce2cfbce-9ea0-45b0-9386-020c0ff54a49", "continue_at": None},
        ],
    },
}
