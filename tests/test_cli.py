"""The operator commands, run as an operator types them (JSON shapes other checks read)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli.main import main
from feeds.sample_site import SampleSite, sources_toml


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    with SampleSite() as s:
        yield s


@pytest.fixture
def config_file(tmp_path: Path, site: SampleSite) -> Path:
    path = tmp_path / "bot_config.toml"
    path.write_text(
        f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/bot.db"\n'
        "[fetch]\nper_host_delay = 0.0\n" + sources_toml(site.base_url),
        encoding="utf-8",
    )
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_poll_once_json_then_items_json(capsys, config_file: Path, site: SampleSite) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, "--config", str(config_file), "poll", "--once", "--json")
    assert code == 0
    result = json.loads(out)
    assert {s["id"] for s in result["sources"]} == {
        "congdoannghean-tin-tuc", "congdoannghean-thong-bao", "baonghean-lao-dong", "laodongcongdoan",
    }  # fmt: skip
    for source in result["sources"]:
        assert set(source) == {"id", "new", "unchanged", "error"}
        assert source["error"] is None and source["new"] > 0 and source["unchanged"] is False
    assert result["new_items"], "the first poll lists what it stored"
    story = result["new_items"][0]
    assert set(story) == {
        "id", "title", "url", "source", "published", "text", "links", "attachments", "events",
    }  # fmt: skip
    assert all(
        set(e) == {"date", "time", "what", "kind"} for s in result["new_items"] for e in s["events"]
    )
    assert any(s["events"] for s in result["new_items"]), "the sample notices announce deadlines"
    assert story["published"] is None or story["published"].endswith("+07:00")

    code, out, _ = run(capsys, "--config", str(config_file), "poll", "--once", "--json")
    again = json.loads(out)
    assert again["new_items"] == []
    assert all(s["unchanged"] and s["new"] == 0 for s in again["sources"])

    code, out, _ = run(capsys, "--config", str(config_file), "items", "--limit", "50", "--json")
    items = json.loads(out)
    assert len(items) == len(result["new_items"])
    dates = [i["published"] for i in items if i["published"]]
    assert dates == sorted(dates, reverse=True), "newest first"
    reprint = [i for i in items if len(i["links"]) > 1]
    assert reprint and {link["source"] for link in reprint[0]["links"]} == {
        "congdoannghean-tin-tuc", "baonghean-lao-dong",
    }  # fmt: skip


def test_sources_health_and_check(capsys, config_file: Path, site: SampleSite) -> None:  # type: ignore[no-untyped-def]
    run(capsys, "--config", str(config_file), "poll", "--once")
    code, out, _ = run(capsys, "--config", str(config_file), "sources", "--json")
    health = json.loads(out)
    assert all(h["healthy"] and h["items"] > 0 for h in health)

    code, out, _ = run(capsys, "--config", str(config_file), "sources", "check",
                       site.url("/congdoannghean/tin-tuc"))  # fmt: skip
    assert code == 0
    assert "Kind detected: html" in out
    assert "First article's extracted text" in out
    assert "TIN TỨC MỚI NHẤT" not in out.split("First article's extracted text")[1]

    code, out, _ = run(capsys, "--config", str(config_file), "sources", "check",
                       site.url("/laodong/rss/cong-doan.rss"), "--kind", "rss")  # fmt: skip
    assert code == 1 and "ERROR" in out and "cookie" in out.lower()


def test_analyze_document_and_jsonl(capsys, monkeypatch, config_file: Path) -> None:  # type: ignore[no-untyped-def]
    doc = (
        "Kế hoạch tổ chức Hội thao CNVCLĐ năm 2026\n\n"
        "LĐLĐ TP Vinh tổ chức Hội thao công nhân, viên chức, lao động từ ngày 18/6 đến 19/6/2026. "
        "Hạn cuối đăng ký là ngày 10/6/2026. Các CĐCS gửi danh sách về Ban Tuyên giáo LĐLĐ tỉnh Nghệ An."
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(doc))
    code, out, _ = run(capsys, "--config", str(config_file), "analyze", "-", "--published",
                       "2026-05-20", "--json")  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"title", "summary", "units", "topics", "events"}
    names = {u["name"] for u in result["units"]}
    assert {"LĐLĐ TP Vinh", "Ban Tuyên giáo LĐLĐ tỉnh Nghệ An"} <= names
    assert {"date": "2026-06-10", "kind": "deadline"}.items() <= next(
        e for e in result["events"] if e["date"] == "2026-06-10"
    ).items()
    assert {e["date"] for e in result["events"]} >= {"2026-06-18", "2026-06-19"}

    lines = [
        json.dumps(
            {
                "title": "Tháng Công nhân 2026",
                "text": "Phát động Tháng Công nhân.",
                "published": "2026-04-28",
            }
        ),
        "{not json",
        json.dumps(
            {"title": "Hội nghị", "text": "Ngày 20/5/2026 tổ chức hội nghị.", "published": None}
        ),
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = run(capsys, "--config", str(config_file), "analyze", "--jsonl")
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == 3
    assert "error" in results[1] and results[1]["line"] == 2
    assert results[0]["title"] == "Tháng Công nhân 2026" and "error" not in results[2]


def test_configuration_errors_stop_with_exit_2(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nid = "x"\nurl = "ftp://nope"\n', encoding="utf-8")
    code, _, err = run(capsys, "--config", str(bad), "items")
    assert code == 2 and "'url' must be an http/https URL" in err
    code, _, err = run(capsys, "--config", str(tmp_path / "missing.toml"), "items")
    assert code == 2 and "not found" in err
