"""The command line on the demo practice: bootstrap, migrations, demo creation, sync, test."""

from __future__ import annotations

import pytest

from engage_desktop.cli import main
from engage_desktop.config import load_config


def test_demo_practice_sync_and_connection_test_from_the_command_line(tmp_path, capsys):
    assert main(["--demo", "--data-dir", str(tmp_path), "sync"]) == 0
    out = capsys.readouterr().out
    assert "Sync finished" in out and "rows read" in out and "Checked 0 unlinked patients" in out  # auto-link ran
    config = load_config(data_dir=tmp_path)
    assert config.demo_pms_path.is_file()
    assert (tmp_path / "engage.db").is_file()
    assert main(["--demo", "--data-dir", str(tmp_path), "test-connection"]) == 0
    assert "OK: Connected to Open Dental" in capsys.readouterr().out
    assert main(["--demo", "--data-dir", str(tmp_path), "sync"]) == 0  # incremental now
    assert "Checked" not in capsys.readouterr().out  # no chart changed: auto-link has nothing new to look at
    assert main(["--demo", "--data-dir", str(tmp_path), "auto-link"]) == 0
    assert "linked 0 automatically" in capsys.readouterr().out
    log = (tmp_path / "logs" / "engage.log").read_text(encoding="utf-8")
    assert "@example" not in log  # no patient contact details in the log


def test_test_connection_without_a_connection_says_so(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "test-connection"]) == 2
    assert "No PMS connection is set up yet" in capsys.readouterr().out


def test_make_demo_writes_a_database(tmp_path):
    out = tmp_path / "d.sqlite"
    assert main(["make-demo", "--patients", "50", "--out", str(out)]) == 0
    assert out.is_file()


def test_environment_overrides_and_config_file(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text('[database]\nurl = "postgresql+psycopg://engage@server/engage"\n[app]\nregion = "CA"\n')
    config = load_config(data_dir=tmp_path)
    assert config.database_url.startswith("postgresql") and config.region == "CA"
    config = load_config(env={"ENGAGE_DATA_DIR": str(tmp_path), "ENGAGE_DATABASE_URL": "sqlite:///x.db", "ENGAGE_REGION": "US"})
    assert config.database_url == "sqlite:///x.db" and config.region == "US"


@pytest.mark.parametrize("password", ["secret;pw", "p}w{"])
def test_postgres_password_comes_from_the_keyring_not_the_config(tmp_path, password):
    from engage_desktop.bootstrap import _url_with_password
    from tests.fakes import FakeSecretStore

    secrets = FakeSecretStore()
    secrets.set("database-password", password)
    url = _url_with_password("postgresql+psycopg://engage@server/engage", secrets)
    from sqlalchemy.engine import make_url

    assert make_url(url).password == password
