"""The topic taxonomy: keys, Japanese labels, descriptions and seed keywords (YAML).

Users edit a copy (add, rename or remove topics) and pass it with ``--taxonomy``; everything
downstream (topic model, CLI, report) follows the file.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from vocpipe.errors import ConfigError


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    description: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]

    @property
    def keys(self) -> list[str]:
        return [t.key for t in self.topics]

    def label(self, key: str) -> str:
        for topic in self.topics:
            if topic.key == key:
                return topic.label
        return key

    def labels(self) -> dict[str, str]:
        return {t.key: t.label for t in self.topics}

    def keyword_topics(self, text: str) -> list[str]:
        """Topics whose seed keywords occur in ``text`` (normalised with NFKC first)."""
        text = unicodedata.normalize("NFKC", text)
        return [t.key for t in self.topics if any(k in text for k in t.keywords)]

    def to_dict(self) -> dict:
        return {"topics": {t.key: {"label": t.label, "description": t.description, "keywords": list(t.keywords)} for t in self.topics}}


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read and validate a taxonomy YAML file (errors name the file and the topic)."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: タクソノミーファイルが見つかりません")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML として読めません ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("topics"), dict) or not data["topics"]:
        raise ConfigError(f"{path}: 'topics:' の下にトピックを1つ以上定義してください")
    return taxonomy_from_dict(data, str(path))


def taxonomy_from_dict(data: dict, origin: str = "taxonomy") -> Taxonomy:
    topics = []
    for key, spec in data["topics"].items():
        if not isinstance(key, str) or not key.replace("_", "").isalnum() or not key.isascii():
            raise ConfigError(f"{origin}: トピックキー {key!r} は英数字と _ で書いてください")
        spec = spec or {}
        keywords = spec.get("keywords") or []
        if not isinstance(keywords, list):
            raise ConfigError(f"{origin}: トピック {key} の keywords はリストで書いてください")
        topics.append(Topic(
            key=key, label=str(spec.get("label") or key), description=str(spec.get("description") or ""),
            keywords=tuple(unicodedata.normalize("NFKC", str(k)) for k in keywords if str(k).strip()),
        ))
    return Taxonomy(tuple(topics))
