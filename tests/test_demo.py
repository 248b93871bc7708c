"""The README's main job: the offline demo runs end to end and shows a push."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli.main import main


def test_demo_tour_shows_baseline_push_and_digest(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no input: the built-in tour
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "làm mốc" in out  # the first poll is a baseline, pushed to nobody
    assert "✅ Đồng chí đã đăng ký theo dõi chủ đề Phát triển đoàn viên" in out
    push = out.split("/capnhat", 1)[1]
    assert "🔔 Tin gửi đến đồng chí" in push and "kết nạp mới" in push
    assert "📰 Bản tin công đoàn ngày" in out
    # Choices are typed numbers in the terminal: nothing tells the officer to press.
    assert "Gõ số để chọn" in out and "(gõ lại số đó để bỏ chọn)" in out
    assert "bấm lần nữa" not in out
    assert (tmp_path / "data" / "demo" / "demo.db").exists()


def test_demo_script_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "lines.txt"
    script.write_text(
        "/help\nlàm sao đăng ký\n/dangky xyzabc qwerty\n/thoat\n/tinmoi\n", encoding="utf-8"
    )
    assert main(["demo", "--script", str(script)]) == 0
    out = capsys.readouterr().out
    assert "Đồng chí> /tinmoi" not in out  # /thoat ends the session
    assert "Không tìm thấy" in out or "từ khóa" in out
