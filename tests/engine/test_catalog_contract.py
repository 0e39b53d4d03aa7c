"""The contract between the studio's model list and the engine's: every model the studio offers, the
built-in engine accepts, with limits at least as large. A test may read both sides; the apps never do."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine import catalog as engine_catalog
from songs import catalog as studio_catalog
from songs.gateway import capabilities_for
from tests.engine.helpers import SEED_CUSTOM, post

LIMITS = ("lyrics", "style", "description", "title")
ROOT = Path(__file__).resolve().parents[2]


# The engine speaks the reseller's formats (task and v2): the models the studio offers with them.
ENGINE_FAMILY_MODELS = [m for m in studio_catalog.MODELS if m.mv in capabilities_for("v2").models]


@pytest.mark.parametrize("offered", ENGINE_FAMILY_MODELS, ids=lambda m: m.mv)
def test_it_accepts_every_model_the_studio_offers_with_the_same_or_larger_limits(offered):
    accepted = engine_catalog.model_for(offered.mv)
    assert accepted is not None, f"the studio offers {offered.mv}, which the engine lacks"
    for limit in LIMITS:
        assert getattr(accepted, limit) >= getattr(offered, limit), (offered.mv, limit)


@pytest.mark.parametrize("base, upload", studio_catalog.UPLOAD_VARIANTS.items())
def test_it_accepts_every_upload_variant_the_studio_uses_under_its_base_models_limits(base, upload):
    accepted = engine_catalog.model_for(upload)
    assert accepted is not None, f"the studio continues uploads with {upload}, which the engine lacks"
    for limit in LIMITS:
        assert getattr(accepted, limit) >= getattr(studio_catalog.get_model(base), limit), (upload, limit)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("mv", ["chirp-v6", "chirp-fenix", "chirp-crow"])
def test_the_newest_models_take_their_long_lyrics_and_styles_over_http(client, engine_key, mv):
    long = {**SEED_CUSTOM, "mv": mv, "tags": "t" * 1000, "title": "T" * 100}
    assert post(client, "/suno/submit/music", {**long, "tags": "t" * 1001}, engine_key).status_code == 400
    answer = post(client, "/suno/submit/music", long, engine_key)
    assert answer.status_code == 200 and answer.json()["code"] == "success"


def test_the_engine_imports_nothing_of_the_studio():
    for path in (ROOT / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n == "songs" or n.startswith("songs.") for n in names), f"{path}: {names}"
