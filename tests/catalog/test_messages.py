"""The one message catalogue: both languages for every key, every key used, no two keys alike,
Vietnamese with its diacritics, and a malformed file refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chitieu.catalog import messages
from chitieu.catalog.messages import LANGUAGES, catalogue, message
from chitieu.catalog.yamlfile import DataFileError

SRC = Path(__file__).resolve().parents[2] / "src" / "chitieu"
VIETNAMESE_LETTERS = re.compile(
    r"[àáãạảăắằẳẵặâấầẩẫậđèéẹẻẽêếềểễệìíĩỉịòóõọỏôốồổỗộơớờởỡợùúũụủưứừửữựỳýỵỷỹ]", re.I
)
#: A key named in code: a quoted literal ("key" or 'key').
LITERAL = re.compile(r"""["']([a-z][a-z0-9_]*|[a-z]+_[A-Za-z0-9_]+)["']""")
#: A key built in code from a quoted prefix: "status_" ~ x (Jinja), "lbl_" + x (JS), f"act_{x}".
PREFIX = re.compile(r"""["']([a-z][a-z0-9_]*_)["']\s*[~+]|f["']([a-z][a-z0-9_]*_)\{""")


def _source_texts() -> list[str]:
    files = [p for ext in ("py", "html", "j2", "js") for p in SRC.rglob(f"*.{ext}")]
    return [p.read_text(encoding="utf-8") for p in files if not p.name.endswith(".min.js")]


def test_every_key_has_both_languages_and_vietnamese_has_diacritics():
    entries = catalogue()
    assert len(entries) > 200
    for key, entry in entries.items():
        assert set(entry) == set(LANGUAGES), key
        if len(re.findall(r"[^\W\d_]+", entry["vi"])) >= 3:  # a phrase of three words or more
            assert VIETNAMESE_LETTERS.search(entry["vi"]), f"{key}: {entry['vi']!r}"


def test_every_key_is_used_somewhere_in_the_source():
    used: set[str] = set()
    prefixes: set[str] = set()
    for text in _source_texts():
        used |= set(LITERAL.findall(text))
        prefixes |= {a or b for a, b in PREFIX.findall(text)}
    unused = [k for k in catalogue() if k not in used and not k.startswith(tuple(prefixes))]
    assert unused == []


def test_no_two_keys_have_the_same_texts():
    seen: dict[tuple[str, str], str] = {}
    for key, entry in catalogue().items():
        pair = (entry["vi"], entry["en"])
        assert pair not in seen, f"{key} repeats {seen[pair]}: use that key"
        seen[pair] = key


def test_message_fills_fields_and_an_unknown_key_fails():
    assert message("report_title", "vi", title="Kế hoạch", period=2025) == (
        "Kết quả thực hiện Kế hoạch — năm 2025"
    )
    assert message("saved", "en", n=3) == "Saved 3 row(s)."
    assert message("rules", "vi") == "Quy tắc đánh giá"
    with pytest.raises(KeyError):
        message("no_such_key", "en")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a:\n  vi: Một\n  en: One\na:\n  vi: Hai\n  en: Two\n", "duplicate key 'a'"),
        ("a:\n  vi: Một\n", "a: needs exactly the languages vi, en"),
        ("a:\n  vi: Một\n  en: ''\n", "a: every text must be a non-empty string"),
    ],
)
def test_a_malformed_catalogue_is_refused(tmp_path, monkeypatch, text, problem):
    path = tmp_path / "messages.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(messages, "MESSAGES_FILE", path)
    messages.catalogue.cache_clear()
    try:
        with pytest.raises(DataFileError, match=re.escape(problem)):
            catalogue()
    finally:
        messages.catalogue.cache_clear()
