"""Choosing the hub's database and logging in there: the URL, the password, the errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from notifycenter.hub.config import resolve_settings
from notifycenter.hub.database import mask_url, parse_database
from notifycenter.model.errors import NotifyError
from tests.clirun import notifycenter
from tests.hubprocess import HubProcess, post_batch
from tests.pgserver import PgServer

PASSWORD = "s3cret-Pa55"


def test_no_database_keeps_the_sqlite_file_and_a_url_from_the_config_file_is_read(
    tmp_path: Path,
) -> None:
    assert resolve_settings(data_dir=tmp_path).database is None
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD + "\n")
    Path(os.environ["NOTIFYCENTER_CONFIG"]).write_text(
        "[hub]\n"
        'database = "postgresql://hub@db.example:5432/notify"\n'
        f'database-password-file = "{password_file}"\n'
    )
    database = resolve_settings(data_dir=tmp_path).database
    assert database is not None
    assert database.url == "postgresql://hub@db.example:5432/notify"
    assert database.password == PASSWORD
    assert PASSWORD not in repr(database)
    option = resolve_settings(data_dir=tmp_path, database="postgres://other@h/db").database
    assert option is not None and option.url == "postgres://other@h/db"


@pytest.mark.parametrize(
    "url",
    ["mysql://u@h/db", "postgresql://u@h", "postgresql:///db", "postgresql://u@h:port/db"],
)
def test_a_url_that_is_not_postgresql_is_refused_with_its_code(url: str) -> None:
    with pytest.raises(NotifyError) as caught:
        parse_database(url)
    assert caught.value.code == "notifycenter-2120"


def test_the_password_is_masked_wherever_the_url_is_shown() -> None:
    assert mask_url(f"postgresql://hub:{PASSWORD}@db:5432/n") == "postgresql://hub:***@db:5432/n"
    assert mask_url("postgresql://hub@db/n") == "postgresql://hub@db/n"
    with pytest.raises(NotifyError) as caught:
        parse_database(f"mysql://hub:{PASSWORD}@db/n")
    assert PASSWORD not in str(caught.value.to_dict())


def test_an_unreadable_password_file_is_catalogued(tmp_path: Path) -> None:
    with pytest.raises(NotifyError) as caught:
        parse_database("postgresql://hub@db/n", tmp_path / "missing")
    assert caught.value.code == "notifycenter-2123"


@pytest.fixture
def password_user(pg_server: PgServer, pg_database: str) -> Iterator[str]:
    """A role that must give PASSWORD (scram) from 127.0.0.1; its URL, without password."""
    with psycopg.connect(pg_server.admin_url, autocommit=True) as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute(f"CREATE ROLE pwuser LOGIN SUPERUSER PASSWORD '{PASSWORD}'")
    hba = pg_server.data / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text("host all pwuser 127.0.0.1/32 scram-sha-256\n" + original)
    reload(pg_server)
    try:
        yield pg_database.replace("postgresql://postgres@", "postgresql://pwuser@")
    finally:
        hba.write_text(original)
        reload(pg_server)
        for url in (pg_database, pg_server.admin_url):
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("DROP OWNED BY pwuser")
        with psycopg.connect(pg_server.admin_url, autocommit=True) as conn:
            conn.execute("DROP ROLE pwuser")


def reload(pg_server: PgServer) -> None:
    with psycopg.connect(pg_server.admin_url, autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")


def test_a_wrong_password_is_catalogued_and_never_printed(
    password_user: str, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password-x9")
    result = notifycenter(
        "serve", "--bind", "127.0.0.1:0", "--database", password_user,
        "--database-password-file", str(wrong),
    )  # fmt: skip
    assert result.returncode != 0
    assert "notifycenter-2122" in result.stderr
    assert "not-the-password-x9" not in result.stdout + result.stderr


def test_the_password_file_logs_the_hub_in_and_the_start_up_line_masks_the_url(
    password_user: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "secret"
    secret.write_text(PASSWORD)
    # The URL's password is wrong: the file wins over it, and over PGPASSWORD.
    url = password_user.replace("pwuser@", "pwuser:wrong-in-url@")
    monkeypatch.setenv("PGPASSWORD", "wrong-in-env")
    monkeypatch.setenv("NOTIFYCENTER_DATABASE_PASSWORD_FILE", str(secret))
    hub = HubProcess(tmp_path / "hub", extra_args=["--database", url])
    hub.start()
    try:
        assert post_batch(hub.url, [{"specversion": "1.0", "id": "1", "source": "s",
                                     "type": "t"}]).status_code == 202  # fmt: skip
    finally:
        hub.stop()
    output = hub.output()
    assert "pwuser:***@127.0.0.1" in output
    for secret_text in (PASSWORD, "wrong-in-url", "wrong-in-env"):
        assert secret_text not in output


def test_pgpassword_is_used_when_no_file_is_given(
    password_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    database = parse_database(password_user)
    assert database is not None
    database.connect().close()
