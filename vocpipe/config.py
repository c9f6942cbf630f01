"""One settings object for the whole product.

Precedence (lowest to highest): built-in defaults, a TOML file (``vocpipe.toml`` in the working
directory or the file named by ``VOCPIPE_CONFIG``), then ``VOCPIPE_*`` environment variables,
then explicit keyword overrides (CLI options).  Keeping the order in one place means the CLI,
the flows and the tests all see the same configuration.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vocpipe.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Paths and knobs used by ingestion, analysis, storage and reports."""

    db_path: Path = Path("vocpipe.duckdb")
    timezone: str = "Asia/Tokyo"
    models_dir: Path = REPO_ROOT / "models"
    taxonomy_path: Path = REPO_ROOT / "data" / "taxonomy.yaml"
    report_dir: Path = Path("reports")
    mask_pii: bool = True
    chunk_size: int = 5000
    workers: int = 0  # 0 = one process per CPU core
    min_support: int = 30
    bootstrap_resamples: int = 200
    seed: int = 20261125
    columns: dict[str, str] = field(default_factory=dict)

    def effective_workers(self) -> int:
        """Worker processes for the text and classification stages (0 means all cores)."""
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in out.items()}


_ENV_PREFIX = "VOCPIPE_"
_FIELD_TYPES = {f.name: f.type for f in dataclasses.fields(Settings)}


def _coerce(name: str, value: Any, origin: str) -> Any:
    kind = _FIELD_TYPES[name]
    try:
        if kind == "Path":
            return Path(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        if kind == "int":
            return int(value)
        if kind == "str":
            return str(value)
        if name == "columns":
            if not isinstance(value, dict):
                raise ValueError(value)
            return {str(k): str(v) for k, v in value.items()}
    except (TypeError, ValueError):
        raise ConfigError(f"{origin}: setting '{name}' has an invalid value {value!r}") from None
    return value


def config_file_path() -> Path | None:
    """The TOML file in force, if any."""
    explicit = os.environ.get("VOCPIPE_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.exists():
            raise ConfigError(f"設定ファイルが見つかりません: {path} (VOCPIPE_CONFIG)")
        return path
    local = Path("vocpipe.toml")
    return local if local.exists() else None


def load_settings(**overrides: Any) -> Settings:
    """Build the settings in force: defaults < TOML < VOCPIPE_* env < keyword overrides.

    ``None`` overrides are ignored so CLI options that were not given do not mask the file.
    """
    values: dict[str, Any] = {}
    path = config_file_path()
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"設定ファイル {path} を読めません: {exc}") from None
        section = data.get("vocpipe", data)
        for key, value in section.items():
            if key not in _FIELD_TYPES:
                raise ConfigError(f"{path}: unknown setting '{key}'")
            values[key] = _coerce(key, value, str(path))
    for name in _FIELD_TYPES:
        env_value = os.environ.get(_ENV_PREFIX + name.upper())
        if env_value is not None and name != "columns":
            values[name] = _coerce(name, env_value, _ENV_PREFIX + name.upper())
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in _FIELD_TYPES:
            raise ConfigError(f"unknown setting '{key}'")
        values[key] = _coerce(key, value, "option")
    return Settings(**values)
