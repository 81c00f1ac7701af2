"""`keras_wgan.filekind`: the one place that names what a path is when it is not a regular
file, for every reader and writer of a user's path."""

import os
import socket

import pytest

from keras_wgan import atomic, filekind


@pytest.fixture
def paths(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "device").symlink_to("/dev/null")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    (tmp_path / "broken").symlink_to(tmp_path / "gone")
    monkeypatch.chdir(tmp_path)  # a relative name: a socket path is limited to ~108 bytes
    listener = socket.socket(socket.AF_UNIX)
    listener.bind("socket")
    yield tmp_path
    listener.close()


KINDS = {"file": None, "link": None, "missing": None, "folder": "a folder", "fifo": "a fifo",
         "device": "a device", "socket": "a socket", "broken": "a broken link"}


@pytest.mark.parametrize("name", list(KINDS))
def test_odd_kind_names_what_the_path_is(paths, name):
    assert filekind.odd_kind(paths / name) == KINDS[name]
    refusal = filekind.not_regular(str(paths / name))
    if KINDS[name] is None:
        assert refusal is None
    else:
        assert refusal == f"{paths / name} is {KINDS[name]}, not a regular file"


def test_not_a_file_also_names_a_missing_path_and_one_that_cannot_be_looked_at(paths):
    (paths / "loop").symlink_to(paths / "loop")
    assert filekind.not_a_file(paths / "file") is None
    assert filekind.not_a_file(paths / "link") is None
    assert filekind.not_a_file(paths / "fifo") == f"{paths / 'fifo'} is a fifo, not a regular file"
    assert filekind.not_a_file(paths / "missing") == f"{paths / 'missing'} does not exist"
    assert filekind.not_a_file(paths / "loop") == (
        f"{paths / 'loop'} cannot be read (no permission, or a loop of links)")


@pytest.mark.parametrize("name", ["folder", "fifo", "device", "socket"])
def test_an_atomic_write_never_replaces_what_is_not_a_regular_file(paths, name):
    before = os.lstat(paths / name)
    with pytest.raises(atomic.NotARegularFile, match=f"it is {KINDS[name]}, not a regular file"):
        atomic.replace(paths / name, b"data")
    after = os.lstat(paths / name)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert sorted(p.name for p in paths.iterdir()) == sorted(set(KINDS) - {"missing"})


def test_an_atomic_write_replaces_a_broken_link_and_writes_a_missing_file(paths):
    atomic.replace(paths / "broken", b"data")
    atomic.replace(paths / "missing", b"data")
    assert (paths / "broken").read_bytes() == (paths / "missing").read_bytes() == b"data"
    assert not (paths / "broken").is_symlink()
