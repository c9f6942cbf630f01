"""Settings: defaults < vocpipe.toml < VOCPIPE_* environment < command-line options."""

from pathlib import Path

import pytest

from vocpipe.config import load_settings
from vocpipe.errors import ConfigError


def write_toml(directory: Path) -> Path:
    path = directory / "vocpipe.toml"
    path.write_text('[vocpipe]\ndb_path = "/data/voc.duckdb"\nchunk_size = 2000\n'
                    '[vocpipe.columns]\ncomment = "ご意見・ご感想"\n', encoding="utf-8")
    return path


def test_toml_file_in_the_working_directory_sets_values_and_column_mapping(tmp_path, monkeypatch):
    write_toml(tmp_path)
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.db_path == Path("/data/voc.duckdb") and settings.chunk_size == 2000
    assert settings.columns == {"comment": "ご意見・ご感想"}


def test_environment_overrides_the_file_and_options_override_both(tmp_path, monkeypatch):
    monkeypatch.setenv("VOCPIPE_CONFIG", str(write_toml(tmp_path)))
    monkeypatch.setenv("VOCPIPE_CHUNK_SIZE", "3000")
    assert load_settings().chunk_size == 3000
    assert load_settings(chunk_size=4000).chunk_size == 4000


def test_unknown_setting_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "vocpipe.toml").write_text("[vocpipe]\nchunksize = 10\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="unknown setting 'chunksize'"):
        load_settings()


def test_invalid_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("VOCPIPE_MASK_PII", "maybe")
    with pytest.raises(ConfigError, match="VOCPIPE_MASK_PII"):
        load_settings()
