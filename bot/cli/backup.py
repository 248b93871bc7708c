"""``congdoan-bot backup FILE``: a consistent copy of the database while the bot runs.

SQLite: the online backup API copies the live file page by page (a writer may go
on meanwhile; WAL content is included), into ``FILE.partial`` renamed to FILE
when complete, so a crash never leaves a half backup under the real name.  The
copy is then opened and its schema checked.  PostgreSQL: ``pg_dump`` does this
job better than we could, so the command prints the ``pg_dump`` line to run
(without the password: pg_dump reads PGPASSWORD or ~/.pgpass).  Restoring is
in README.md ("Backup and restore").
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

from bot.config import Config
from storage.db import backend_name, libpq_url, sqlite_file


def pg_dump_command(url: str, target: str) -> str:
    """The pg_dump line for a PostgreSQL URL (libpq form, password left out)."""
    return f"pg_dump --format=custom --no-owner --file={target} '{libpq_url(url)}'"


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite database with the online backup API, atomically at ``target``."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=1024)  # in steps: the bot's writers are not held off long
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(partial, target)


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    from storage.db import Database, safe_url

    target = Path(args.file)
    if backend_name(config.database_url) == "postgresql":
        print("# PostgreSQL: back up with pg_dump (password from PGPASSWORD or ~/.pgpass):")
        print(pg_dump_command(config.database_url, str(target)))
        print(
            "# restore: pg_restore --clean --if-exists --no-owner -d '<database URL>' "
            + str(target)
        )
        return 0
    source = sqlite_file(config.database_url)
    if source is None:
        print(f"congdoan-bot: backup: cannot back up {safe_url(config.database_url)}",
              file=sys.stderr)  # fmt: skip
        return 2
    if not source.exists():
        print(
            f"congdoan-bot: backup: {source} does not exist (nothing to back up)", file=sys.stderr
        )
        return 2
    if target.exists() and not args.force:
        print(f"congdoan-bot: backup: {target} exists; choose another name or add --force",
              file=sys.stderr)  # fmt: skip
        return 2
    if target.resolve() == source.resolve():
        print("congdoan-bot: backup: the target is the database itself", file=sys.stderr)
        return 2
    backup_sqlite(source, target)
    copy = Database(f"sqlite:///{target.resolve()}")
    try:
        current, head = copy.schema_revisions()
    finally:
        copy.dispose()
    size = target.stat().st_size / 2**20
    print(
        f"Backup of {source} written to {target} ({size:.1f} MiB, schema {', '.join(sorted(current)) or 'empty'})."
    )
    if current != head:
        print("note: the source database was not at the newest migration", file=sys.stderr)
    return 0
