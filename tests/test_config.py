from pathlib import Path

import pytest

from neurocanvas.config import Settings, SettingsError, load_settings


def test_defaults_are_local_and_safe():
    s = load_settings([], environ={})
    assert (s.host, s.port, s.share, s.auth) == ("127.0.0.1", 7860, False, ())
    assert s.data_dir == Path("data") and s.models_dir == Path("models")
    assert s.database.startswith("sqlite:///") and s.database.endswith("data/neurocanvas.db")
    assert not s.is_public


def test_flags_override_environment():
    env = {"NEUROCANVAS_PORT": "9000", "NEUROCANVAS_THREADS": "2", "NEUROCANVAS_DATA_DIR": "/tmp/x"}
    s = load_settings(["--port", "9001"], environ=env)
    assert s.port == 9001 and s.threads == 2 and s.data_dir == Path("/tmp/x")


def test_database_url_from_environment():
    s = load_settings([], environ={"DATABASE_URL": "postgresql://u:secret@db:5432/nc"})
    assert s.database == "postgresql://u:secret@db:5432/nc"
    assert "secret" not in str(s.public_view())


@pytest.mark.parametrize("argv", [["--share"], ["--host", "0.0.0.0"]])
def test_public_without_auth_refuses_with_reason(argv):
    with pytest.raises(SettingsError, match="no login is set.*--auth"):
        load_settings(argv, environ={})


def test_public_with_auth_starts_and_hides_passwords(tmp_path):
    auth_file = tmp_path / "users.txt"
    auth_file.write_text("# team\nbob:pw2\n")
    s = load_settings(["--host", "0.0.0.0", "--auth", "ann:pw1", "--auth-file", str(auth_file)], environ={})
    assert s.auth == (("ann", "pw1"), ("bob", "pw2"))
    assert s.public_view()["auth"] == ["ann", "bob"]
    assert "pw1" not in str(s.public_view())


@pytest.mark.parametrize("argv, message", [
    (["--port", "0"], "--port"),
    (["--memory-budget-gb", "0"], "--memory-budget-gb"),
    (["--threads", "-1"], "--threads"),
    (["--auth", "nopassword"], "USER:PASSWORD"),
    (["--auth-file", "/nonexistent/file"], "Cannot read the auth file"),
])
def test_bad_values_give_precise_messages(argv, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(argv, environ={})


def test_bad_environment_value_names_the_variable():
    with pytest.raises(SettingsError, match="NEUROCANVAS_PORT"):
        load_settings([], environ={"NEUROCANVAS_PORT": "lots"})


def test_settings_are_immutable():
    with pytest.raises(Exception):
        Settings().port = 1  # type: ignore[misc]
