"""Download, verification, offline mode and concurrency of the hub cache (127.0.0.1 only)."""

import contextlib
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from keras_wgan import hub
from keras_wgan.hub import cache as hub_cache
from keras_wgan.hub.testing import make_preset, pack, serve


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("KERAS_WGAN_CACHE", str(root))
    monkeypatch.delenv("KERAS_WGAN_OFFLINE", raising=False)
    return root


@pytest.fixture
def archive(tmp_path):
    generator, _ = make_preset(tmp_path / "tiny")
    path = pack(tmp_path / "tiny", tmp_path / "tiny.tar.gz")
    return generator, path.read_bytes(), hub.sha256_file(path)


@pytest.fixture
def registered():
    names = []

    def register(name, **kwargs):
        names.append(name)
        return hub.register_preset(name, **kwargs)

    yield register
    for name in names:
        hub.unregister_preset(name)


def entries(root):
    folder = root / "entries"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def assert_clean(root):
    assert entries(root) == []
    assert not (root / "tmp").exists() or list((root / "tmp").iterdir()) == []


def test_download_verify_and_load_by_name(cache, archive, registered):
    generator, data, digest = archive
    with serve({"/tiny.tar.gz": data}) as server:
        registered("test/http_tiny", handle=server.url("/tiny.tar.gz"), sha256=digest)
        model = hub.load("test/http_tiny")
        again = hub.load("test/http_tiny/1")
    assert server.requests == {"/tiny.tar.gz": 1}  # the second load came from the cache
    latent = np.random.default_rng(1).standard_normal((5, 4)).astype("float32")
    np.testing.assert_allclose(model(latent), generator(latent), atol=1e-6)
    np.testing.assert_allclose(again.generate(3, seed=2), model.generate(3, seed=2))
    assert model.latent_dim == 4 and model.metadata["dataset"] == "none"
    assert len(entries(cache)) == 1


def test_url_without_registry_and_file_url(cache, archive, tmp_path):
    generator, data, _ = archive
    with serve({"/a/tiny.zip": pack(tmp_path / "tiny", tmp_path / "t.zip").read_bytes()}) as s:
        from_zip = hub.load(s.url("/a/tiny.zip"))
    from_file = hub.load((tmp_path / "tiny.tar.gz").as_uri())
    latent = np.ones((2, 4), "float32")
    np.testing.assert_allclose(from_zip(latent), generator(latent), atol=1e-6)
    np.testing.assert_allclose(from_file(latent), generator(latent), atol=1e-6)
    assert len(entries(cache)) == 2


def test_tampered_archive_is_refused_and_cache_left_clean(cache, archive, registered):
    _, data, digest = archive
    tampered = data[:-40] + bytes(b ^ 0xFF for b in data[-40:])
    with serve({"/tiny.tar.gz": tampered}) as server:
        registered("test/tampered", handle=server.url("/tiny.tar.gz"), sha256=digest)
        with pytest.raises(hub.IntegrityError) as info:
            hub.load("test/tampered")
    message = str(info.value)
    assert f"expected {digest}" in message
    assert "got" in message and "left clean" in message and "\n" not in message
    assert_clean(cache)


def test_tampered_file_inside_archive_is_refused(cache, tmp_path):
    make_preset(tmp_path / "bad")
    with open(tmp_path / "bad" / "model.weights.h5", "r+b") as f:  # flip bytes after saving
        f.seek(-8, os.SEEK_END)
        f.write(b"\0" * 8)
    data = pack(tmp_path / "bad", tmp_path / "bad.tar.gz").read_bytes()
    with serve({"/bad.tar.gz": data}) as server:
        with pytest.raises(hub.IntegrityError, match="model.weights.h5.*expected.*left clean"):
            hub.load(server.url("/bad.tar.gz"))
    assert_clean(cache)


def test_truncated_download_is_refused(cache, archive, registered):
    _, data, digest = archive
    with serve({"/tiny.tar.gz": data}) as server:
        server.truncate.add("/tiny.tar.gz")
        registered("test/truncated", handle=server.url("/tiny.tar.gz"), sha256=digest)
        with pytest.raises(hub.DownloadError, match="truncated download") as info:
            hub.load("test/truncated")
        assert "\n" not in str(info.value)
        assert_clean(cache)
        # Without a registered hash the Content-Length check alone still refuses it.
        with pytest.raises(hub.DownloadError, match="truncated"):
            hub.load(server.url("/tiny.tar.gz"))
    assert_clean(cache)


def test_offline_mode_uses_only_the_cache(cache, archive, registered, monkeypatch):
    generator, data, digest = archive
    with serve({"/tiny.tar.gz": data}) as server:
        url = server.url("/tiny.tar.gz")
        registered("test/offline_cached", handle=url, sha256=digest)
        registered("test/offline_missing", handle=server.url("/other.tar.gz"), sha256=digest)
        hub.load("test/offline_cached")
        monkeypatch.setenv("KERAS_WGAN_OFFLINE", "1")
        with pytest.raises(hub.OfflineError) as info:
            hub.load("test/offline_missing")
        model = hub.load("test/offline_cached")
    message = str(info.value)
    assert "KERAS_WGAN_OFFLINE=1" in message and "test/offline_missing" in message
    assert "not in the cache" in message and "unset" in message
    assert server.requests == {"/tiny.tar.gz": 1}  # offline loads never reached the server
    np.testing.assert_allclose(model(np.ones((1, 4), "float32")),
                               generator(np.ones((1, 4), "float32")), atol=1e-6)


def test_new_registered_hash_replaces_stale_entry(cache, archive, tmp_path, registered):
    _, data, digest = archive
    make_preset(tmp_path / "v2", seed=7)
    data2 = pack(tmp_path / "v2", tmp_path / "v2.tar.gz").read_bytes()
    with serve({"/tiny.tar.gz": data}) as server:
        registered("test/moving", handle=server.url("/tiny.tar.gz"), sha256=digest)
        first = hub.load("test/moving").generate(2, seed=0)
        server.files["/tiny.tar.gz"] = data2
        hub.register_preset("test/moving", handle=server.url("/tiny.tar.gz"),
                            sha256=hub.sha256_file(tmp_path / "v2.tar.gz"), overwrite=True)
        second = hub.load("test/moving").generate(2, seed=0)
    assert server.requests["/tiny.tar.gz"] == 2
    assert not np.allclose(first, second)
    assert len(entries(cache)) == 1


CHILD = """
import sys
from keras_wgan import hub
print("ready", flush=True)
model = hub.load(sys.argv[1])
print("loaded", model.latent_dim, flush=True)
"""


def test_two_processes_loading_at_once_make_one_entry(cache, archive):
    _, data, _ = archive
    with serve({"/tiny.tar.gz": data}) as server:
        server.gate = threading.Event()  # hold the first download until both are running
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
        procs = [subprocess.Popen([sys.executable, "-c", CHILD, server.url("/tiny.tar.gz")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env) for _ in range(2)]
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        # Both processes are past their imports; give the second a moment to block on the lock,
        # then release the server. Without the lock both would request the file.
        threading.Event().wait(1.0)
        server.gate.set()
        outputs = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
        assert "loaded 4" in out
    assert server.requests == {"/tiny.tar.gz": 1}
    (entry,) = [cache / "entries" / name for name in entries(cache)]
    assert hub.verify_preset(entry)["latent_dim"] == 4
    assert sorted(p.name for p in entry.iterdir()) == [
        ".source.json", "config.json", "metadata.json", "model.weights.h5"]
    assert list((cache / "tmp").iterdir()) == []


def test_keras_file_over_http_with_explicit_cache_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_WGAN_OFFLINE", raising=False)
    generator, _ = make_preset(tmp_path / "p")
    hub.load(tmp_path / "p").save(tmp_path / "g.keras")
    with serve({"/models/g.keras": (tmp_path / "g.keras").read_bytes()}) as server:
        model = hub.load(server.url("/models/g.keras"), cache_dir=tmp_path / "mine")
    (entry,) = (tmp_path / "mine" / "entries").iterdir()
    assert (entry / "model.keras").is_file()
    latent = np.ones((2, 4), "float32")
    np.testing.assert_allclose(model(latent), generator(latent), atol=1e-6)


def test_staging_left_by_a_killed_process_is_removed(cache, archive, tmp_path):
    from keras_wgan.hub.cache import cache_key

    source = str((tmp_path / "tiny.tar.gz").resolve())
    stale = cache / "tmp" / f"{cache_key(source)}.abc123"
    (stale / "content").mkdir(parents=True)
    (stale / "content" / "half.h5").write_bytes(b"\0" * 10)
    hub.load(source)
    assert not stale.exists()
    assert len(entries(cache)) == 1


@pytest.mark.parametrize("over_http", [False, True], ids=["local", "http"])
def test_cve_2025_4517_archive_is_refused_and_writes_nothing_outside(over_http, cache,
                                                                     tmp_path):
    from keras_wgan.hub.cache import cache_key
    from keras_wgan.hub.testing import escape_tar, preset_members

    make_preset(tmp_path / "tiny")
    victim = tmp_path / "victim.txt"
    victim.write_text("original")
    path = tmp_path / "cve.tar.gz"
    with serve() as server:
        handle = server.url("/cve.tar.gz") if over_http else str(path.resolve())
        # The previous cache extracted into <cache>/tmp/<key>.<8 random>/content: the long
        # names are sized from that path, and `escape` climbs 4 folders from it to tmp_path.
        # Built this way, the previous code loaded the preset and overwrote victim.txt.
        root_len = len(str(cache / "tmp" / f"{cache_key(handle)}.12345678" / "content"))
        escape_tar(path, root_len, up=4, victim="victim.txt", payload=b"overwritten",
                   preset=preset_members(tmp_path / "tiny"))
        server.files["/cve.tar.gz"] = path.read_bytes()
        with pytest.raises(hub.UnsafeArchiveError, match="'a' is a symbolic link") as info:
            hub.load(handle)
    assert "\n" not in str(info.value)
    assert f"refusing to extract {handle}: member 'a'" in str(info.value)  # not the staging path
    assert victim.read_text() == "original"
    assert_clean(cache)


def test_stalled_download_times_out_and_leaves_cache_clean(cache, archive, monkeypatch):
    _, data, _ = archive
    with serve({"/tiny.tar.gz": data}) as server:
        server.stall.add("/tiny.tar.gz")
        monkeypatch.setenv("KERAS_WGAN_DOWNLOAD_TIMEOUT", "0.5")
        with pytest.raises(hub.DownloadError, match=rf"stalled: no data for 0\.5 s after "
                                                    rf"{len(data) // 2} bytes.*left clean") as info:
            hub.load(server.url("/tiny.tar.gz"))
        assert "KERAS_WGAN_DOWNLOAD_TIMEOUT" in str(info.value) and "\n" not in str(info.value)
        assert_clean(cache)
        monkeypatch.delenv("KERAS_WGAN_DOWNLOAD_TIMEOUT")
        with pytest.raises(hub.DownloadError, match=r"no data for 0\.3 s"):  # the keyword
            hub.load(server.url("/tiny.tar.gz"), download_timeout=0.3)
    assert_clean(cache)


def test_body_over_the_cap_is_refused_with_or_without_content_length(cache, archive,
                                                                   monkeypatch):
    _, data, _ = archive
    monkeypatch.setenv("KERAS_WGAN_MAX_DOWNLOAD_BYTES", "100000")
    with serve({"/tiny.tar.gz": data, "/big.tar.gz": b"\0" * 100_001}) as server:
        server.endless.add("/endless.tar.gz")  # zeros, no Content-Length, until we hang up
        with pytest.raises(hub.DownloadError, match="sent more than 100000 bytes, over the "
                                                    "download bound.*MAX_DOWNLOAD_BYTES"):
            hub.load(server.url("/endless.tar.gz"))
        assert_clean(cache)
        with pytest.raises(hub.DownloadError, match="is 100001 bytes, over the download bound "
                                                    "of 100000"):
            hub.load(server.url("/big.tar.gz"))
        assert_clean(cache)
        assert len(data) < 100_000
        hub.load(server.url("/tiny.tar.gz"))  # under the cap is fine
    assert len(entries(cache)) == 1


HOLDER = """
import fcntl, json, os, socket, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                         "since": "a while ago"}).encode())
print("locked", flush=True)
sys.stdin.read()  # hold the lock until the test closes our stdin
"""


def test_lock_held_by_another_process_times_out_naming_it(cache, archive, tmp_path,
                                                          monkeypatch):
    from keras_wgan.hub.cache import cache_key

    source = str((tmp_path / "tiny.tar.gz").resolve())
    lock = cache / "locks" / f"{cache_key(source)}.lock"
    lock.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("KERAS_WGAN_LOCK_TIMEOUT", "0.3")
        with pytest.raises(hub.HubError, match=rf"waited 0\.3 s for the cache lock .* held by "
                                               rf"pid {holder.pid} on host .*LOCK_TIMEOUT"):
            hub.load(source)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert hub.load(source).latent_dim == 4  # its death freed the lock
    assert len(entries(cache)) == 1


@contextlib.contextmanager
def lock_held_by_a_thread(cache, key):
    """Hold the cache lock of ``key`` in another thread for the duration of the block."""
    from keras_wgan.hub.cache import handle_lock

    held, release = threading.Event(), threading.Event()

    def hold():
        with handle_lock(cache, key):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(30)
        yield
    finally:
        release.set()
        thread.join()


def test_lock_holder_records_itself(cache, tmp_path, monkeypatch):
    from keras_wgan.hub.cache import handle_lock
    from keras_wgan.hub.errors import LockTimeoutError

    with lock_held_by_a_thread(cache, "somekey"):
        with pytest.raises(LockTimeoutError, match=f"held by pid {os.getpid()} on host "):
            with handle_lock(cache, "somekey", timeout=0.2, label="test/handle"):
                pass
    with handle_lock(cache, "somekey", timeout=0.2):  # free again, and its note was cleared
        assert (cache / "locks" / "somekey.lock").read_bytes() != b""
    assert (cache / "locks" / "somekey.lock").read_bytes() == b""


def test_other_handles_staging_is_swept_once_their_lock_is_free(cache, archive, tmp_path):
    from keras_wgan.hub.cache import handle_lock

    for key in ("dead-0123456789abcdef", "busy-0123456789abcdef"):
        (cache / "tmp" / f"{key}.x1y2z3" / "content").mkdir(parents=True)
        with handle_lock(cache, key):  # leaves a lock file, as a killed fetch would
            pass
    (cache / "tmp" / "stray-file").write_bytes(b"?")  # no lock: only removed once old
    old = cache / "tmp" / "ancient"
    old.mkdir()
    os.utime(old, (0, 0))
    with lock_held_by_a_thread(cache, "busy-0123456789abcdef"):
        hub.load(str(tmp_path / "tiny.tar.gz"))
    assert sorted(p.name for p in (cache / "tmp").iterdir()) == [
        "busy-0123456789abcdef.x1y2z3", "stray-file"]


def test_a_device_or_fifo_named_like_an_archive_is_refused(cache, tmp_path):
    fifo = tmp_path / "pipe.tar.gz"
    os.mkfifo(fifo)  # opening it would block forever with no writer
    (tmp_path / "zero.tar.gz").symlink_to("/dev/zero")  # reading it would never end
    for path, kind in ((fifo, "a fifo"), (tmp_path / "zero.tar.gz", "a device")):
        with pytest.raises(hub.HubError, match=f"is {kind}, not a regular file; point at the "
                                               "archive itself"):
            hub.load(path)
        with pytest.raises(hub.HubError, match=f"is {kind}, not a regular file; point at the "
                                               "archive itself"):
            hub.load(path.as_uri())
    assert_clean(cache)


def test_a_device_or_fifo_where_a_keras_file_or_preset_file_belongs_is_refused(cache, tmp_path):
    # `keras-wgan sample pipe.keras` blocked forever; a .keras link to /dev/zero ran out of memory.
    os.mkfifo(tmp_path / "pipe.keras")
    (tmp_path / "zero.keras").symlink_to("/dev/zero")
    for name, kind in (("pipe.keras", "a fifo"), ("zero.keras", "a device")):
        with pytest.raises(hub.HubError, match=rf"{name} is {kind}, not a regular file; point at "
                                               r"the \.keras file itself"):
            hub.load(tmp_path / name)
    for name in ("config.json", "metadata.json"):
        folder = tmp_path / f"tiny-{name}"
        make_preset(folder)
        (folder / name).unlink()
        os.mkfifo(folder / name)
        with pytest.raises(hub.HubError, match=rf"{name} is a fifo, not a regular file; "
                                               "re-download the preset or re-save it"):
            hub.load(folder)
    folder = tmp_path / "saved"
    folder.mkdir()
    os.mkfifo(folder / "model.keras")
    with pytest.raises(hub.HubError, match=r"model.keras is a fifo, not a regular file"):
        hub.load(folder)
    assert_clean(cache)


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_a_cache_that_cannot_be_a_folder_is_named_with_its_setting(tmp_path, monkeypatch,
                                                                  where):
    # KERAS_WGAN_CACHE=/dev/null gave "[Errno 20] Not a directory: '/dev/null/locks'".
    make_preset(tmp_path / "tiny")
    archive = pack(tmp_path / "tiny", tmp_path / "tiny.tar.gz")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache should be")
    root = blocker if where == "a file" else blocker / "cache"
    monkeypatch.setenv("KERAS_WGAN_CACHE", str(root))
    with pytest.raises(OSError, match=rf"cannot keep presets in {root} \(KERAS_WGAN_CACHE\): "
                                      r".*; point KERAS_WGAN_CACHE \(or cache_dir=\) at a "
                                      r"writable folder") as info:
        hub.load(archive)
    assert "\n" not in str(info.value)
    assert blocker.read_text() == "a file where the cache should be"
    assert hub.load(archive, cache_dir=tmp_path / "elsewhere").latent_dim > 0


def test_an_offline_setting_that_says_neither_is_refused(cache, monkeypatch, tmp_path):
    make_preset(tmp_path / "tiny")
    archive = pack(tmp_path / "tiny", tmp_path / "tiny.tar.gz")
    for value, offline in (("1", True), ("ON", True), ("", False), ("off", False)):
        monkeypatch.setenv("KERAS_WGAN_OFFLINE", value)
        assert hub_cache.is_offline() is offline
    monkeypatch.setenv("KERAS_WGAN_OFFLINE", "maybe")
    with pytest.raises(ValueError, match="KERAS_WGAN_OFFLINE must be 1 .* got 'maybe'; fix or "
                                         "unset it"):
        hub.load(archive)
