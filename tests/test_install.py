"""A self-contained install: what pip installs, what the lock pins, and what an
operator sees when the database cannot be used (one line, exit status 2, no traceback).

The slow proof (a clean clone, a plain `pip install .` with the pip Python 3.11
ships, every stage imported) is `bash scripts/check-fresh-install`; it needs the
package registry, so it is not part of the suite.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
UNREACHABLE = "postgresql+psycopg://congdoan:pw-secret@127.0.0.1:1/congdoan"


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def declared() -> list[Requirement]:
    p = project()
    extras = p["optional-dependencies"]
    return [Requirement(r) for r in [*p["dependencies"], *extras["test"], *extras["postgres"]]]


def pins() -> dict[str, tuple[str, Requirement]]:
    """name -> (version, requirement) for every pin that applies to this platform."""
    out = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        req = Requirement(line.strip())
        if req.marker is None or req.marker.evaluate(default_environment()):
            [spec] = req.specifier
            assert spec.operator == "==", line
            out[canonicalize_name(req.name)] = (spec.version, req)
    return out


# --- what is declared and pinned -------------------------------------------------------


def test_lxml_html_clean_is_declared_and_every_stage_imports() -> None:
    names = {canonicalize_name(r.name) for r in declared()}
    assert "lxml-html-clean" in names  # trafilatura -> jusText -> lxml.html.clean
    for module in ("trafilatura", "feeds.extract.article", "feeds.fetch.fetcher",
                   "feeds.parse.feed_parser", "feeds.parse.listing", "feeds.dedup.urls",
                   "feeds.understand.analyze", "storage.ingest", "bot.delivery.sender",
                   "bot.channels.telegram.app", "bot.channels.zalo.client", "bot.cli.doctor"):  # fmt: skip
        importlib.import_module(module)


def test_the_lock_pins_every_declared_dependency_within_its_range() -> None:
    pinned = pins()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not pinned in {CONSTRAINTS.name}"
        assert req.specifier.contains(pinned[name][0], prereleases=True), (req, pinned[name][0])
    for tool in ("pip", "setuptools"):  # the installer and the build backend too
        assert tool in pinned
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    assert Requirement(build[0]).specifier.contains(pinned["setuptools"][0])


def test_this_environment_was_installed_from_the_lock() -> None:
    """CI's venv has exactly the pinned versions: scripts/test really installs from the lock."""
    wrong = {}
    for name, (pinned, _req) in pins().items():
        if name in ("pip", "setuptools"):
            continue  # a venv's own tools; scripts/install upgrades pip, not setuptools
        try:
            installed = version(name)
        except PackageNotFoundError:
            wrong[name] = (pinned, None)
            continue
        if canonicalize_name(installed) != canonicalize_name(pinned):
            wrong[name] = (pinned, installed)
    assert not wrong, (
        f"installed differs from {CONSTRAINTS.name} (run bash scripts/install test): {wrong}"
    )


def test_scripts_install_from_the_lock_and_ci_runs_scripts_test() -> None:
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#")]  # fmt: skip
    assert ci[-1] == "exec bash scripts/test"
    for script in ("test", "demo"):
        text = (ROOT / "scripts" / script).read_text()
        assert re.search(r"^bash scripts/install\b", text, re.M), script
        assert "pip install" not in text, f"scripts/{script} installs only through scripts/install"
    install = (ROOT / "scripts" / "install").read_text()
    assert (
        install.count('-c "$CONSTRAINTS"') == 2 and '--build-constraint "$CONSTRAINTS"' in install
    )


# --- the database cannot be used -------------------------------------------------------


def _bot(
    args: list[str], env: dict[str, str], code: str | None = None
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **env}
    full_env.pop("CONGDOAN_CONFIG", None)
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "bot", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=full_env,
                          cwd=ROOT)  # fmt: skip


@pytest.fixture
def empty_config(tmp_path: Path) -> Path:
    path = tmp_path / "bot_config.toml"
    path.write_text("", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["run"], ["worker"], ["status"]])
def test_an_unreachable_postgresql_gives_one_line_and_status_2(
    empty_config: Path, command: list[str]
) -> None:
    env = {"DATABASE_URL": UNREACHABLE, "TELEGRAM_BOT_TOKEN": "123:abc"}
    result = _bot(["--config", str(empty_config), *command], env)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) <= 3 and "Traceback" not in result.stderr, result.stderr
    assert "cannot connect to postgresql+psycopg://congdoan:***@127.0.0.1:1/congdoan" in lines[-1]
    assert "Connection refused" in lines[-1] and "DATABASE_URL" in lines[-1]
    assert "pw-secret" not in result.stderr + result.stdout


def test_a_missing_postgresql_driver_names_the_extra(empty_config: Path) -> None:
    hide_psycopg = (
        "import sys; sys.modules['psycopg'] = None; from bot.cli.main import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    env = {"DATABASE_URL": UNREACHABLE, "TELEGRAM_BOT_TOKEN": "123:abc"}
    result = _bot(["--config", str(empty_config), "run"], env, code=hide_psycopg)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "PostgreSQL driver is not installed" in line
    assert "pip install 'congdoan-bot[postgres]'" in line and "pw-secret" not in line


def test_every_database_command_says_the_same_one_line(
    empty_config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    for command in (["items"], ["sources"], ["poll", "--once"], ["reanalyze"], ["migrate"],
                    ["digest", "--now"], ["status", "--json"]):  # fmt: skip
        assert main(["--config", str(empty_config), *command]) == 2, command
        err = capsys.readouterr().err
        assert err.startswith("congdoan-bot: database: cannot connect to"), (command, err)
        assert len(err.strip().splitlines()) == 1, (command, err)


def test_a_sqlite_folder_that_cannot_be_created_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{blocker}/data/bot.db")
    config = tmp_path / "bot_config.toml"
    config.write_text("", encoding="utf-8")
    assert main(["--config", str(config), "items"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("congdoan-bot: database: cannot create the folder of sqlite:///")
    assert len(err.strip().splitlines()) == 1
