"""generate / check: reproducible output, drift detection that names the files."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import openapi_python_client
import pytest

from codegen._generate import PINS, compare_trees, generate_into
from codegen._paths import DEFAULT_ROOT, Layout
from codegen._spec import dump_spec, load_patches

GENERATED = "atlas_async/_generated"
# The `run` fixture (conftest.py) runs `python -m codegen` in process and returns code/out/err.
Run = Callable[..., Any]


def _edit_spec(root: Path, edit: object) -> None:
    spec_path = root / "openapi.json"
    doc = json.loads(spec_path.read_text(encoding="utf-8"))
    assert callable(edit)
    edit(doc)
    spec_path.write_text(dump_spec(doc), encoding="utf-8")


def test_generation_is_reproducible_and_matches_the_committed_tree(tmp_path: Path) -> None:
    layout = Layout(DEFAULT_ROOT)
    first, second = tmp_path / "one", tmp_path / "two"
    generate_into(layout, first)
    generate_into(layout, second)
    assert not compare_trees(first, second)
    assert not compare_trees(layout.generated, first), "run `make generate` and commit"
    litter = [p for p in first.rglob("*") if p.name in {".ruff_cache", "__pycache__", ".gitignore"}]
    assert litter == []


def test_check_passes_on_a_pristine_copy(project: Path, run: Run) -> None:
    result = run("--root", project, "check")
    assert result.code == 0, result.err
    assert "in sync" in result.out


def test_check_names_hand_edited_added_and_deleted_files(project: Path, run: Run) -> None:
    gen = project / GENERATED
    send = gen / "api" / "envelopes" / "send_envelope.py"
    send.write_text(send.read_text() + "\n# quick fix\n")
    (gen / "models" / "handmade.py").write_text("X = 1\n")
    (gen / "models" / "remind_response.py").unlink()

    result = run("--root", project, "check")

    assert result.code == 1
    assert "out of sync" in result.err
    assert f"changed: {GENERATED}/api/envelopes/send_envelope.py" in result.err
    assert f"not generated any more: {GENERATED}/models/handmade.py" in result.err
    assert f"missing: {GENERATED}/models/remind_response.py" in result.err


@pytest.mark.slow  # three generator runs
def test_check_fails_on_a_stale_spec_and_generate_repairs_it(project: Path, run: Run) -> None:
    def add_property(doc: dict[str, object]) -> None:
        schemas = doc["components"]["schemas"]  # type: ignore[index]
        schemas["Envelope"]["properties"]["archived_at"] = {"type": "string"}

    _edit_spec(project, add_property)

    stale = run("--root", project, "check")
    assert stale.code == 1
    assert f"changed: {GENERATED}/models/envelope.py" in stale.err
    assert "models/party.py" not in stale.err  # only what the change touches is named

    regenerated = run("--root", project, "generate")
    assert regenerated.code == 0
    assert f"changed: {GENERATED}/models/envelope.py" in regenerated.out
    assert "archived_at" in (project / GENERATED / "models" / "envelope.py").read_text()
    assert run("--root", project, "check").code == 0


def test_check_flags_a_spec_that_is_not_normalised(project: Path, run: Run) -> None:
    spec = project / "openapi.json"
    spec.write_text(json.dumps(json.loads(spec.read_text())), encoding="utf-8")
    result = run("--root", project, "check")
    assert result.code == 1
    assert "openapi.json is not normalised" in result.err
    assert run("--root", project, "normalise").code == 0
    assert run("--root", project, "check").code == 0


def test_generate_refuses_a_closed_response_enum(project: Path, run: Run) -> None:
    def close_enum(doc: dict[str, object]) -> None:
        schemas = doc["components"]["schemas"]  # type: ignore[index]
        schemas["Party"]["properties"]["channel"] = {"type": "string", "enum": ["email", "sms"]}

    _edit_spec(project, close_enum)
    result = run("--root", project, "generate")
    assert result.code == 2
    assert "/components/schemas/Party/properties/channel" in result.err
    assert result.err.count("\n") == 1


def test_a_patch_that_no_longer_applies_names_itself(project: Path, run: Run) -> None:
    def drop_enum(doc: dict[str, object]) -> None:
        del doc["components"]["schemas"]["PartyStatus"]["enum"]  # type: ignore[index]

    _edit_spec(project, drop_enum)
    result = run("--root", project, "generate")
    assert result.code == 2
    assert "patch 01-open-enums.json no longer applies" in result.err
    # the committed package was left alone
    assert not compare_trees(project / GENERATED, DEFAULT_ROOT / GENERATED)


def test_every_patch_carries_a_one_line_reason() -> None:
    patches = load_patches(DEFAULT_ROOT / "overrides" / "patches")
    assert patches, "the open-enum patch is expected"
    for patch in patches:
        assert patch.reason
        assert "\n" not in patch.reason


def test_the_template_override_is_a_minimal_fix_of_a_bug_still_upstream() -> None:
    name = "endpoint_macros.py.jinja"
    upstream = Path(openapi_python_client.__file__).parent / "templates" / name
    ours = DEFAULT_ROOT / "overrides" / "templates" / name
    upstream_lines = upstream.read_text().splitlines()
    changed = [
        line
        for line in difflib.unified_diff(upstream_lines, ours.read_text().splitlines(), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    # 2 upstream lines replaced by 4 (the namespace fix and its comment); nothing else drifted.
    assert len(changed) == 6, changed
    # The bug is still in the pinned generator: when this fails after an upgrade, drop the override.
    assert any("set body_required = body_required and" in line for line in upstream_lines)


def test_the_other_template_overrides_are_the_public_model_layer() -> None:
    # model.py.jinja and types.py.jinja replace upstream's on purpose (the models users see),
    # models_init.py.jinja to load them lazily; anything else in overrides/templates/ would be
    # an unreviewed fork of upstream.
    templates = DEFAULT_ROOT / "overrides" / "templates"
    assert sorted(p.name for p in templates.iterdir()) == [
        "endpoint_macros.py.jinja",
        "model.py.jinja",
        "models_init.py.jinja",
        "types.py.jinja",
    ]
    for name in ("model.py.jinja", "models_init.py.jinja", "types.py.jinja"):
        assert "atlas-async:" in (templates / name).read_text(), f"{name} says why it exists"


def test_the_models_package_loads_each_model_on_first_use() -> None:
    # A fresh interpreter: importing the package loads no model; each name of __all__ is the
    # class of its module, loaded with it (and the models it refers to), and nothing else.
    script = """
import sys
import atlas_async._generated.models as models
prefix = models.__name__ + "."
loaded = lambda: sorted(n for n in sys.modules if n.startswith(prefix))
assert loaded() == [], loaded()
from atlas_async._generated.models import EnvelopeProgress
assert loaded() == [prefix + "envelope_progress"], loaded()
assert EnvelopeProgress.__module__ == prefix + "envelope_progress"
assert set(models.__all__) <= set(dir(models))
for name in models.__all__:
    assert getattr(models, name).__name__ == name, name
assert len(loaded()) == len(models.__all__), (len(loaded()), len(models.__all__))
try:
    models.NoSuchModel
except AttributeError as exc:
    assert "NoSuchModel" in str(exc)
else:
    raise AssertionError("an unknown name resolved")
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr


def test_generator_and_formatter_are_pinned_exactly() -> None:
    pyproject = tomllib.loads((DEFAULT_ROOT / "pyproject.toml").read_text())
    dev = pyproject["dependency-groups"]["dev"]  # PEP 735 group, not a published extra
    for dist, version in PINS.items():
        assert f"{dist}=={version}" in dev
        assert metadata.version(dist) == version


def test_module_entry_point_prints_usage() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "codegen", "--help"],
        cwd=DEFAULT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    for command in ("pull", "generate", "check", "diff"):
        assert command in proc.stdout
