"""Manifest parsing: good rows become items, bad rows come back with their line number."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from atlas_async import Party
from atlas_async.bulk import (
    InvalidRow,
    ManifestRow,
    default_party_factory,
    parse_pairs,
    parse_signer,
    read_manifest,
)

PDF = b"%PDF-1.4\n%test\n"


def who(parties: Any) -> list[tuple[str, str, str]]:
    return [(p.email, p.name, p.role) for p in parties]


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "a.pdf").write_bytes(PDF)
    (tmp_path / "notes.txt").write_bytes(b"hello")
    path = tmp_path / "manifest.csv"
    path.write_text(text)
    return path


def test_signer_forms() -> None:
    assert parse_signer("jane@example.com") == ("jane@example.com", None, None)
    assert parse_signer(" jane@example.com:Jane Doe ") == ("jane@example.com", "Jane Doe", None)
    assert parse_signer("j@x.io:Jane:Customer") == ("j@x.io", "Jane", "Customer")
    assert parse_signer("j@x.io::Customer") == ("j@x.io", None, "Customer")
    for bad in ("jane", "jane@localhost", "a@b.c:x:y:z", "", "a b@c.d"):
        with pytest.raises(ValueError, match="signer"):
            parse_signer(bad)


def test_pairs_forms() -> None:
    assert parse_pairs("", what="m") == {}
    assert parse_pairs("a=1; b = two", what="m") == {"a": "1", "b": "two"}
    assert parse_pairs('{"a": 1, "n": {"x": true}}', what="m") == {"a": 1, "n": {"x": True}}
    with pytest.raises(ValueError, match="invalid JSON"):
        parse_pairs("{nope", what="m")
    with pytest.raises(ValueError, match="invalid JSON"):
        parse_pairs('{"a":1}x', what="m")
    with pytest.raises(ValueError, match="k=v"):
        parse_pairs("novalue", what="m")


def test_rows_and_line_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "key,document,template_id,signers,metadata\n"
        "r1,a.pdf,,jane@example.com:Jane:Customer,team=sales\n"
        "\n"
        'r2,,tmpl_1,"a@x.io;b@y.io:Bob",\n'
        "r3,missing.pdf,,a@x.io,\n"
        "r4,notes.txt,,a@x.io,\n"
        "r5,a.pdf,tmpl_1,a@x.io,\n"
        "r6,a.pdf,,not-an-email,\n"
        "r1,a.pdf,,a@x.io,\n"
        "r7,a.pdf,,a@x.io,{bad\n"
        "r8,a.pdf,,,\n"
        "r9,a.pdf,,a@x.io,,extra\n"
        ',a.pdf,,"c@x.io:C\nD",\n'
        "r10,a.pdf,,a@x.io,\n",
    )
    rows = list(read_manifest(path))
    good = {r.line: r for r in rows if isinstance(r, ManifestRow)}
    bad = {r.line: r for r in rows if isinstance(r, InvalidRow)}
    assert sorted(good) == [2, 4, 13, 15]
    first = good[2].item
    assert first.key == "r1"
    assert first.document == tmp_path / "a.pdf"
    assert who(first.parties) == [("jane@example.com", "Jane", "Customer")]
    assert all(isinstance(p, Party) for p in first.parties)
    assert first.metadata == {"team": "sales"}
    assert first.tag == 2
    assert good[4].item.template_id == "tmpl_1"
    # A bare email gets its local part as name and "Signer" as role (Atlas wants both).
    assert who(good[4].item.parties) == [("a@x.io", "a", "Signer"), ("b@y.io", "Bob", "Signer")]
    assert good[13].item.key is None  # a quoted cell spanning two lines: the next row is line 15
    assert good[15].item.key == "r10"
    assert "not found" in bad[5].message
    assert "neither a PDF nor a DOCX" in bad[6].message
    assert "exactly one of document or template_id" in bad[7].message
    assert "not an email" in bad[8].message
    assert "duplicate key 'r1' (first on line 2)" in bad[9].message
    assert "invalid JSON" in bad[10].message
    assert "no signers" in bad[11].message
    assert "columns" in bad[12].message
    assert str(bad[5]).startswith("line 5: ")


def test_unusable_manifest(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="header needs a signers column"):
        list(read_manifest(write(tmp_path, "key,document\nx,a.pdf\n")))
    with pytest.raises(ValueError, match="unknown column"):
        list(read_manifest(write(tmp_path, "document,signers,colour\n")))
    with pytest.raises(ValueError, match="empty manifest"):
        list(read_manifest(write(tmp_path, "")))


def test_the_party_factory_is_public_and_pluggable(tmp_path: Path) -> None:
    make = default_party_factory()
    assert who([make("jane@example.com", None, None)]) == [("jane@example.com", "jane", "Signer")]
    assert who([make("j@x.io", "Jane", "Customer")]) == [("j@x.io", "Jane", "Customer")]

    def as_dict(email: str, name: str | None, role: str | None) -> dict[str, Any]:
        return {"email": email, "name": name or "?", "role": role or "Reviewer"}

    path = write(tmp_path, "document,signers\na.pdf,a@example.com;b@example.com:Bo\n")
    [row] = list(read_manifest(path, make_party=as_dict))
    assert isinstance(row, ManifestRow)
    assert list(row.item.parties) == [
        {"email": "a@example.com", "name": "?", "role": "Reviewer"},
        {"email": "b@example.com", "name": "Bo", "role": "Reviewer"},
    ]
