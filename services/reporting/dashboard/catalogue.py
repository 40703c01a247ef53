"""Every label people read on the dashboard and in the exports, per language, from one JSON file each.

JSON rather than gettext .po/.mo: the same catalogue serves the server's templates, the browser's script
(which renders the API's answers) and the export writers, with nothing to compile at build time.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_FOLDER = Path(__file__).resolve().parent / "translations"


@cache
def catalogue(language: str) -> dict[str, str]:
    """Loaded once per process; an unknown language gets the default one."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    return json.loads((_FOLDER / f"{language}.json").read_text(encoding="utf-8"))


def language_of(requested: str | None) -> str:
    return requested if requested in LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """``t("key", name=...)`` in one language; a missing key is a programming error, not a silent blank."""

    def __init__(self, language: str) -> None:
        self.language = language_of(language)
        self.labels = catalogue(self.language)

    def __call__(self, key: str, **params: object) -> str:
        text = self.labels[key]
        return text.format(**params) if params else text

    def pick(self, item: dict, field: str) -> str:
        """The API's own labels come in Vietnamese (``name``) and English (``name_en``)."""
        if self.language != DEFAULT_LANGUAGE and item.get(f"{field}_en"):
            return str(item[f"{field}_en"])
        return str(item.get(field) or "")
