"""Central's settings file: the defaults, the classification, and a wrong key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from central import cli
from central.settings import ENV, SettingsError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "central.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_file_the_provincial_defaults_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    settings = load_settings(None)
    assert [(g.name, g.min_score) for g in settings.classification] == [
        ("Xuất sắc", 90), ("Tốt", 80), ("Khá", 65), ("Trung bình", 50), ("Yếu", 0)]
    assert settings.ranking.min_tickets == 30


@pytest.mark.parametrize(("score", "grade"), [
    (95.0, "Xuất sắc"), (90.0, "Xuất sắc"), (89.9, "Tốt"), (65.0, "Khá"), (50.0, "Trung bình"), (49.9, "Yếu"),
    (None, None),
])
def test_a_score_is_classified_by_the_thresholds(score: float | None, grade: str | None) -> None:
    assert load_settings(None).classify(score) == grade


def test_a_file_replaces_the_thresholds_and_the_minimum_sample(tmp_path: Path) -> None:
    path = write(tmp_path, """
[[classification]]
name = "Đạt"
min_score = 70
[[classification]]
name = "Chưa đạt"
min_score = 0
[ranking]
min_tickets = 100
[reports]
out_dir = "bao-cao"
""")
    settings = load_settings(path)
    assert settings.classify(70) == "Đạt" and settings.classify(69.9) == "Chưa đạt"
    assert settings.ranking.min_tickets == 100
    assert Path(settings.reports.out_dir) == (tmp_path / "bao-cao").resolve()  # relative to the file


def test_the_environment_names_the_file_when_no_path_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, str(write(tmp_path, "[ranking]\nmin_tickets = 5\n")))
    assert load_settings(None).ranking.min_tickets == 5


@pytest.mark.parametrize(("text", "named"), [
    ("[ranking]\nmin_tiket = 5\n", "ranking.min_tiket"),
    ("[ranking]\nmin_tickets = -1\n", "ranking.min_tickets"),
    ('[[classification]]\nname = "A"\nmin_score = 90\n[[classification]]\nname = "B"\nmin_score = "cao"\n',
     "classification[2].min_score"),
    ('[[classification]]\nname = "A"\nmin_score = 50\n[[classification]]\nname = "B"\nmin_score = 80\n',
     "classification"),
    ("[report]\nout_dir = 'x'\n", "report"),
])
def test_a_wrong_key_is_named(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(write(tmp_path, text))
    assert f"- {named}:" in str(caught.value)


def test_a_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(write(tmp_path, "[ranking\n"))


def test_serve_refuses_a_wrong_settings_file_before_starting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "[ranking]\nmin_tickets = 'ba mươi'\n")
    assert cli.main(["serve", "--db", f"sqlite:///{tmp_path / 'c.db'}", "--config", str(path)]) == 2
    assert "ranking.min_tickets" in capsys.readouterr().err
