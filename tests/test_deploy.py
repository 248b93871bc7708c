"""What ships in deploy/ and `congdoan-bot backup`, checked as far as this machine can.

The compose file is read as Compose reads it (YAML with merge keys) and its
healthcheck is run for real against a database; the systemd units go through
`systemd-analyze verify` when it exists; the image is built only where a Docker
engine answers.  A backup of a live SQLite database must open and hold the same
stories; on PostgreSQL the printed pg_dump line must work against a real server.
"""

from __future__ import annotations

import configparser
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli.main import _parser, main
from feeds.sample_site import SampleSite, sources_toml
from storage.db import Database, open_database
from storage.queries import latest_stories

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = ("congdoan-bot.service", "congdoan-bot-worker@.service")


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def bot_command(argv: list[str]) -> list[str]:
    """The congdoan-bot arguments of a command line (whatever the executable's path)."""
    assert Path(argv[0]).name == "congdoan-bot", argv
    return argv[1:]


# --- compose ---------------------------------------------------------------------------


def test_compose_runs_postgresql_run_and_two_workers_with_healthchecks() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "run", "worker"}
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["run"]["command"] == ["run"] and services["worker"]["command"] == ["worker"]
    for name in ("db", "run", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["db"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert "pgdata" in compose()["volumes"]
    for name in ("run", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    build = services["run"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_compose_takes_every_secret_from_the_environment() -> None:
    services = compose()["services"]
    env = services["run"]["environment"]
    for secret in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"):
        assert env[secret] == f"${{{secret}:-}}", secret
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert services["worker"]["environment"] == env  # one definition (the x-bot anchor)


def test_the_compose_healthcheck_is_a_working_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The container's healthcheck is healthy on a migrated database, unhealthy without one."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    argv = bot_command(compose()["services"]["run"]["healthcheck"]["test"][1:])
    config = tmp_path / "bot_config.toml"
    config.write_text(f'[bot]\ndatabase_url = "sqlite:///{tmp_path}/bot.db"\n', encoding="utf-8")
    assert main(["--config", str(config), *argv]) == 1, "no database yet: unhealthy"
    open_database(f"sqlite:///{tmp_path}/bot.db").dispose()
    assert main(["--config", str(config), *argv]) == 0
    assert "✔" in capsys.readouterr().out


# --- the image -------------------------------------------------------------------------


def _final_stage(dockerfile: str) -> list[tuple[str, str]]:
    lines = dockerfile.replace("\\\n", " ").splitlines()
    instructions = [line.strip().split(None, 1) for line in lines if line.strip()]
    instructions = [(i[0].upper(), i[1] if len(i) > 1 else "") for i in instructions
                    if not i[0].startswith("#")]  # fmt: skip
    last_from = max(n for n, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


def test_dockerfile_is_slim_non_root_pinned_and_copies_what_exists() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    final = _final_stage(text)
    assert final[0][1].startswith("python:3.11-slim")
    users = [arg for op, arg in final if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert "-c requirements/constraints.txt" in text and "'.[postgres]'" in text
    assert "tesseract-ocr-vie" in text  # the OCR line, ready for when it is needed
    for line in text.splitlines():
        if line.startswith("COPY") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    healthcheck = next(arg for op, arg in final if op == "HEALTHCHECK")
    argv = json.loads(healthcheck.split("CMD", 1)[1])
    _parser().parse_args(bot_command(argv))  # a sub-command the image really has
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    for kept in ("!bot/", "!feeds/", "!storage/", "!requirements/", "!pyproject.toml"):
        assert kept in ignore


def test_the_image_builds() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker command on this machine: image build not tested")
    info = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=30)
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or ["no answer"])[-1]
        pytest.skip(f"no Docker engine (`docker info` failed: {reason}): image build not tested")
    build = subprocess.run(
        [docker, "build", "-f", "deploy/Dockerfile", "-t", "congdoan-bot:test", "."],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-2000:]
    run = subprocess.run([docker, "run", "--rm", "congdoan-bot:test", "--help"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert "doctor" in run.stdout


# --- systemd ---------------------------------------------------------------------------


def _units_with_this_venv(tmp_path: Path) -> list[Path]:
    """Copies whose ExecStart points at this checkout's congdoan-bot (verify checks it)."""
    exe = Path(sys.executable).with_name("congdoan-bot")
    out = []
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        text = text.replace("/opt/congdoan-bot/.venv/bin/congdoan-bot", str(exe))
        path = tmp_path / name.replace("@.", "@1.")  # verify wants an instance of a template
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


def test_systemd_units_verify(tmp_path: Path) -> None:
    if not Path(sys.executable).with_name("congdoan-bot").exists():
        pytest.skip("congdoan-bot is not installed in this interpreter's environment")
    analyze = shutil.which("systemd-analyze")
    for unit in _units_with_this_venv(tmp_path):
        parsed = configparser.ConfigParser(interpolation=None, strict=True)
        parsed.optionxform = str  # type: ignore[assignment,method-assign]
        parsed.read(unit, encoding="utf-8")
        assert set(parsed.sections()) == {"Unit", "Service", "Install"}
        service = parsed["Service"]
        assert service["User"] == "congdoan" and service["KillSignal"] == "SIGTERM"
        assert "EnvironmentFile" in service, "secrets come from a root-only file"
        argv = shlex.split(service["ExecStart"].replace("%i", "1").replace("%H", "host"))
        _parser().parse_args(bot_command(argv))
        if analyze:
            result = subprocess.run([analyze, "verify", str(unit)], capture_output=True,
                                    text=True, timeout=60)  # fmt: skip
            # verify exits 0 on "Unknown key ..., ignoring": any message is a defect.
            assert result.returncode == 0 and not result.stderr.strip(), result.stderr


# --- backup ----------------------------------------------------------------------------


@pytest.fixture
def site():  # type: ignore[no-untyped-def]
    with SampleSite() as s:
        yield s


def test_sqlite_backup_opens_and_holds_the_same_stories(
    tmp_path: Path, site: SampleSite, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path}/bot.db"
    config = tmp_path / "bot_config.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "{url}"\n[fetch]\nper_host_delay = 0.0\n'
        + sources_toml(site.base_url),
        encoding="utf-8",
    )
    assert main(["--config", str(config), "poll", "--once"]) == 0
    live = open_database(url)  # held open, as the running bot would
    target = tmp_path / "backups" / "congdoan-2026-12-06.db"
    target.parent.mkdir()
    capsys.readouterr()

    assert main(["--config", str(config), "backup", str(target)]) == 0
    assert f"written to {target}" in capsys.readouterr().out
    copy = Database(f"sqlite:///{target}")
    original = [(s.id, s.title, s.text) for s in latest_stories(live, limit=1000)]
    copied = [(s.id, s.title, s.text) for s in latest_stories(copy, limit=1000)]
    assert len(original) > 10 and copied == original
    current, head = copy.schema_revisions()
    assert current == head
    copy.dispose()
    live.dispose()
    assert not target.with_name(target.name + ".partial").exists()

    assert main(["--config", str(config), "backup", str(target)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["--config", str(config), "backup", str(target), "--force"]) == 0


def test_postgresql_backup_prints_a_pg_dump_line_that_works(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    open_database(postgres_url).dispose()
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    config = tmp_path / "bot_config.toml"
    config.write_text("", encoding="utf-8")
    target = tmp_path / "congdoan.dump"
    assert main(["--config", str(config), "backup", str(target)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("pg_dump "))
    assert "+psycopg" not in line
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed: the printed line was not run")
    dump = subprocess.run(shlex.split(line), capture_output=True, text=True, timeout=120)
    assert dump.returncode == 0, dump.stderr
    listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True,
                             text=True, timeout=60)  # fmt: skip
    assert "TABLE public stories" in listing.stdout
    assert "pg_restore" in out  # and how to restore it
