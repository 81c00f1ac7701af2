"""Safe extraction: archives that would write outside their folder are refused whole."""

import stat
import tarfile
import zipfile

import pytest

from keras_wgan import hub
from keras_wgan.hub.archive import safe_extract
from keras_wgan.hub.testing import make_preset, pack, serve, tar_with


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def device(name):
    info = tarfile.TarInfo(name)
    info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
    return info, None


def zip_with(path, members):
    """`(name, bytes)` files, or `(name, target, "symlink")` for a zip symlink entry."""
    with zipfile.ZipFile(path, "w") as z:
        for member in members:
            if len(member) == 3:
                info = zipfile.ZipInfo(member[0])
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                z.writestr(info, member[1])
            else:
                z.writestr(zipfile.ZipInfo(member[0]), member[1])
    return path


OK = ("preset/config.json", b"{}")

BAD_TARS = {
    "dotdot": ([OK, ("preset/../../evil.txt", b"x")], "'..'"),
    "absolute": ([OK, ("/tmp/evil.txt", b"x")], "absolute path"),
    "symlink_out": ([OK, link("preset/escape", "../../etc/passwd")], "outside the target"),
    "symlink_absolute": ([OK, link("preset/escape", "/etc/passwd")], "absolute path"),
    "hardlink_out": ([OK, link("preset/h", "../outside", tarfile.LNKTYPE)], "outside the target"),
    "device": ([OK, device("preset/null")], "device"),
}


@pytest.mark.parametrize("case", sorted(BAD_TARS))
def test_unsafe_tar_is_refused_before_writing(case, tmp_path):
    members, why = BAD_TARS[case]
    archive = tar_with(tmp_path / f"{case}.tar.gz", members)
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(hub.UnsafeArchiveError, match=why) as info:
        safe_extract(archive, target)
    assert "refusing to extract" in str(info.value) and "\n" not in str(info.value)
    assert list(target.iterdir()) == []  # refused whole: not even the good member
    assert not (tmp_path / "evil.txt").exists()


BAD_ZIPS = {
    "dotdot": ([OK, ("preset/../../evil.txt", b"x")], "'..'"),
    "absolute": ([OK, ("/tmp/evil.txt", b"x")], "absolute path"),
    "symlink_out": ([OK, ("preset/escape", "../../etc/passwd", "symlink")], "outside the target"),
    "symlink_inside": ([OK, ("preset/alias", "config.json", "symlink")], "is a symlink"),
}


@pytest.mark.parametrize("case", sorted(BAD_ZIPS))
def test_unsafe_zip_is_refused_before_writing(case, tmp_path):
    members, why = BAD_ZIPS[case]
    archive = zip_with(tmp_path / f"{case}.zip", members)
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(hub.UnsafeArchiveError, match=why):
        safe_extract(archive, target)
    assert list(target.iterdir()) == []


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_archive_over_the_size_bound_is_refused(suffix, tmp_path, monkeypatch):
    members = [("preset/a.bin", b"\0" * 600), ("preset/b.bin", b"\0" * 600)]
    path = tmp_path / f"big{suffix}"
    tar_with(path, members) if suffix == ".tar.gz" else zip_with(path, members)
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(hub.UnsafeArchiveError, match="1200 bytes, over the bound of 1000"):
        safe_extract(path, target, max_bytes=1000)
    monkeypatch.setenv("KERAS_WGAN_MAX_ARCHIVE_BYTES", "1000")
    with pytest.raises(hub.UnsafeArchiveError, match="KERAS_WGAN_MAX_ARCHIVE_BYTES"):
        safe_extract(path, target)
    assert list(target.iterdir()) == []
    safe_extract(path, target, max_bytes=1200)  # at the bound is fine
    assert (target / "preset" / "b.bin").stat().st_size == 600


def test_links_inside_the_folder_are_kept(tmp_path):
    archive = tar_with(tmp_path / "ok.tar.gz", [OK, link("preset/alias.json", "config.json")])
    safe_extract(archive, tmp_path)
    assert (tmp_path / "preset" / "alias.json").read_bytes() == b"{}"


def test_not_an_archive(tmp_path):
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(b"not an archive at all")
    with pytest.raises(hub.UnsafeArchiveError, match="neither a tar nor a zip"):
        safe_extract(path, tmp_path)


def test_malicious_archive_served_over_http_leaves_cache_clean(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_WGAN_CACHE", str(tmp_path / "cache"))
    make_preset(tmp_path / "tiny")
    good = pack(tmp_path / "tiny", tmp_path / "tiny.tar.gz")
    with tarfile.open(good) as t:  # a real preset plus one escaping member
        members = [(m.name, t.extractfile(m).read()) for m in t.getmembers() if m.isfile()]
    bad = tar_with(tmp_path / "bad.tar.gz", members + [("tiny/../../../owned", b"x")])
    with serve({"/bad.tar.gz": bad.read_bytes()}) as server:
        with pytest.raises(hub.UnsafeArchiveError, match="'..'"):
            hub.load(server.url("/bad.tar.gz"))
    assert not (tmp_path / "cache" / "entries").exists()
    assert list((tmp_path / "cache" / "tmp").iterdir()) == []
    assert not (tmp_path / "owned").exists()
