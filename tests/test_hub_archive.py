"""Safe extraction: an archive holds plain files and folders, within bounds, or is refused whole."""

import bz2
import io
import stat
import tarfile
import warnings
import zipfile

import pytest

from keras_wgan import hub
from keras_wgan.hub import archive as archive_module
from keras_wgan.hub.archive import safe_extract
from keras_wgan.hub.testing import (
    escape_tar,
    make_preset,
    pack,
    preset_members,
    serve,
    tar_bomb,
    tar_of_empty_files,
    tar_with,
)

# Nothing here depends on the backend (`make test` repeats these modules under JAX).
pytestmark = pytest.mark.all_backends


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def special(name, kind):
    info = tarfile.TarInfo(name)
    info.type, info.devmajor, info.devminor = kind, 1, 3
    return info, None


def folder(name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    return info, None


def zip_with(path, members):
    """`(name, bytes)` files, or `(name, bytes, mode)` entries with unix mode bits."""
    with zipfile.ZipFile(path, "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate-name case
        for member in members:
            info = zipfile.ZipInfo(member[0])
            if len(member) == 3:
                info.external_attr = member[2] << 16
            z.writestr(info, member[1])
    return path


def empty_dir(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    return target


OK = ("preset/config.json", b"{}")

BAD_TARS = {
    "dotdot": ([OK, ("preset/../../evil.txt", b"x")], "'..'"),
    "absolute": ([OK, ("/tmp/evil.txt", b"x")], "absolute path"),
    "drive_letter": ([OK, ("C:/evil.txt", b"x")], "drive letter"),
    "backslash": ([OK, ("preset\\..\\evil.txt", b"x")], "backslash"),
    "empty_component": ([OK, ("preset//evil.txt", b"x")], "empty or '.' path component"),
    "dot_component": ([OK, ("preset/./evil.txt", b"x")], "empty or '.' path component"),
    "long_component": ([OK, ("preset/" + "x" * 256, b"x")], "component over 255 bytes"),
    "long_name": ([OK, ("/".join(["x" * 200] * 6), b"x")], "byte name, over 1024"),
    "symlink_out": ([OK, link("preset/escape", "../../etc/passwd")], "symbolic link"),
    "symlink_absolute": ([OK, link("preset/escape", "/etc/passwd")], "symbolic link"),
    "symlink_inside": ([OK, link("preset/alias.json", "config.json")], "symbolic link"),
    "hardlink_out": ([OK, link("preset/h", "../outside", tarfile.LNKTYPE)], "hard link"),
    "hardlink_inside": ([OK, link("preset/h", "preset/config.json", tarfile.LNKTYPE)],
                        "hard link"),
    "char_device": ([OK, special("preset/null", tarfile.CHRTYPE)], "is a device"),
    "block_device": ([OK, special("preset/sda", tarfile.BLKTYPE)], "is a device"),
    "fifo": ([OK, special("preset/pipe", tarfile.FIFOTYPE)], "is a fifo"),
    "duplicate": ([OK, ("preset/config.json", b"{}")], "appears twice"),
    "file_then_folder": ([OK, folder("preset/config.json")], "already made it a file"),
    "file_under_file": ([OK, ("preset/config.json/x", b"x")], "already made it a file"),
}


@pytest.mark.parametrize("case", sorted(BAD_TARS))
def test_unsafe_tar_is_refused_whole(case, tmp_path):
    members, why = BAD_TARS[case]
    archive = tar_with(tmp_path / f"{case}.tar.gz", members)
    target = empty_dir(tmp_path)
    with pytest.raises(hub.UnsafeArchiveError, match=why) as info:
        safe_extract(archive, target)
    assert "refusing to extract" in str(info.value) and "\n" not in str(info.value)
    assert list(target.iterdir()) == []  # refused whole: not even the good member, no staging
    assert not (tmp_path / "evil.txt").exists()


BAD_ZIPS = {
    "dotdot": ([OK, ("preset/../../evil.txt", b"x")], "'..'"),
    "absolute": ([OK, ("/tmp/evil.txt", b"x")], "absolute path"),
    "symlink_out": ([OK, ("preset/escape", b"../../etc/passwd", stat.S_IFLNK | 0o777)],
                    "symbolic link"),
    "symlink_inside": ([OK, ("preset/alias", b"config.json", stat.S_IFLNK | 0o777)],
                       "symbolic link"),
    "fifo": ([OK, ("preset/pipe", b"", stat.S_IFIFO | 0o644)], "is a fifo"),
    "duplicate": ([OK, OK], "appears twice"),
}


@pytest.mark.parametrize("case", sorted(BAD_ZIPS))
def test_unsafe_zip_is_refused_whole(case, tmp_path):
    members, why = BAD_ZIPS[case]
    path = zip_with(tmp_path / f"{case}.zip", members)
    target = empty_dir(tmp_path)
    with pytest.raises(hub.UnsafeArchiveError, match=why):
        safe_extract(path, target)
    assert list(target.iterdir()) == []


def test_the_cve_2025_4517_tar_is_refused_and_writes_nothing_outside(tmp_path):
    # This archive, extracted by the previous archive.py (lexical checks + filter="data") on
    # Python 3.11.7, overwrote victim.txt; measured by hand with `git show` of that file.
    victim = tmp_path / "victim.txt"
    victim.write_text("original")
    target = tmp_path / "a" / "out"
    target.mkdir(parents=True)
    archive = escape_tar(tmp_path / "cve.tar.gz", len(str(target)), up=2,
                         victim="victim.txt", payload=b"overwritten")
    with pytest.raises(hub.UnsafeArchiveError, match="'a' is a symbolic link") as info:
        safe_extract(archive, target)
    assert "\n" not in str(info.value) and len(str(info.value)) < 500
    assert victim.read_text() == "original"
    assert list(target.iterdir()) == []


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_archive_over_the_size_bound_is_refused(suffix, tmp_path, monkeypatch):
    members = [("preset/a.bin", b"\0" * 600), ("preset/b.bin", b"\0" * 600)]
    path = tmp_path / f"big{suffix}"
    tar_with(path, members) if suffix == ".tar.gz" else zip_with(path, members)
    target = empty_dir(tmp_path)
    with pytest.raises(hub.UnsafeArchiveError, match="1200 bytes, over the bound of 1000"):
        safe_extract(path, target, max_bytes=1000)
    monkeypatch.setenv("KERAS_WGAN_MAX_ARCHIVE_BYTES", "1000")
    with pytest.raises(hub.UnsafeArchiveError, match="KERAS_WGAN_MAX_ARCHIVE_BYTES"):
        safe_extract(path, target)
    assert list(target.iterdir()) == []
    safe_extract(path, target, max_bytes=1200)  # at the bound is fine
    assert (target / "preset" / "b.bin").stat().st_size == 600


class CountingStream:
    """Wraps a decompressed stream and counts the bytes the extractor reads from it."""

    def __init__(self, stream):
        self.stream, self.count = stream, 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.count += len(data)
        return data

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stream.close()


def counting(monkeypatch, kind):
    """Makes `safe_extract` read `kind` streams through a `CountingStream`; returns the list
    the streams are appended to."""
    streams, opener = [], archive_module.DECOMPRESSORS[kind]

    def open_counted(fileobj):
        streams.append(CountingStream(opener(fileobj)))
        return streams[-1]

    monkeypatch.setitem(archive_module.DECOMPRESSORS, kind, open_counted)
    return streams


@pytest.mark.parametrize("compression,kind,declared", [
    ("bz2", "bzip2", 16 << 30),  # 46 KB on disk
    ("gz", "gzip", 2 << 30),  # 2 MB on disk
])
def test_bomb_is_refused_at_its_first_header(compression, kind, declared, tmp_path,
                                             monkeypatch):
    # The previous extractor decompressed the whole 16 GiB stream (60 s of CPU, measured by the
    # outside tester) before comparing sizes; this one reads one header and stops.
    bomb = tar_bomb(tmp_path / f"bomb.tar.{compression}", declared, compression)
    streams = counting(monkeypatch, kind)
    target = empty_dir(tmp_path)
    with pytest.raises(hub.UnsafeArchiveError, match=f"{declared} bytes, over the bound of "
                                                     f"{archive_module.DEFAULT_MAX_BYTES}"):
        safe_extract(bomb, target)
    (stream,) = streams
    assert stream.count <= 64 * 1024  # decompressed bytes read, out of 16 GiB
    assert list(target.iterdir()) == []


def test_huge_pax_header_is_refused_by_the_stream_count(tmp_path, monkeypatch):
    # tarfile reads a pax header's records itself, before the extractor sees a member: a
    # header declaring 4 GiB would be read into memory whole without the counting reader.
    info = tarfile.TarInfo("././@PaxHeader")
    info.type, info.size = tarfile.XHDTYPE, 4 << 30
    chunk = bz2.compress(b"\0" * (16 << 20))
    path = tmp_path / "pax.tar.bz2"
    with open(path, "wb") as f:
        f.write(bz2.compress(info.tobuf(tarfile.GNU_FORMAT)))
        f.write(chunk * 256)
    streams = counting(monkeypatch, "bzip2")
    target = empty_dir(tmp_path)
    with pytest.raises(hub.UnsafeArchiveError, match="expands to at least"):
        safe_extract(path, target)
    assert streams[0].count <= 64 * 1024
    assert list(target.iterdir()) == []


def test_member_count_is_bounded(tmp_path, monkeypatch):
    archive = tar_of_empty_files(tmp_path / "many.tar.gz", 300)
    target = empty_dir(tmp_path)
    with pytest.raises(hub.UnsafeArchiveError, match="at least 201 members, over the bound "
                                                     "of 200; raise KERAS_WGAN_MAX_ARCHIVE"):
        safe_extract(archive, target, max_members=200)
    assert list(target.iterdir()) == []
    monkeypatch.setenv("KERAS_WGAN_MAX_ARCHIVE_MEMBERS", "299")
    with pytest.raises(hub.UnsafeArchiveError, match="over the bound of 299"):
        safe_extract(archive, target)
    monkeypatch.setenv("KERAS_WGAN_MAX_ARCHIVE_MEMBERS", "300")
    safe_extract(archive, target)  # at the bound is fine
    assert len(list((target / "preset").iterdir())) == 300


def test_a_hundred_thousand_empty_files_are_refused_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_WGAN_MAX_ARCHIVE_MEMBERS", raising=False)
    assert archive_module.max_archive_members() == 10_000
    archive = tar_of_empty_files(tmp_path / "many.tar.gz", 100_000)
    assert archive.stat().st_size < 2_000_000  # small on disk, like the tester's 623 KB
    target = empty_dir(tmp_path)
    with pytest.raises(hub.UnsafeArchiveError, match="10001 members, over the bound of 10000"):
        safe_extract(archive, target)
    assert list(target.iterdir()) == []


def test_zip_member_count_is_read_from_the_central_directory(tmp_path):
    path = zip_with(tmp_path / "many.zip", [(f"preset/f{i}", b"") for i in range(1_001)])
    target = empty_dir(tmp_path)
    with pytest.raises(hub.UnsafeArchiveError, match="1001 members, over the bound of 1000"):
        safe_extract(path, target, max_members=1_000)
    assert list(target.iterdir()) == []


def test_damaged_archives_name_the_file_in_one_line(tmp_path):
    make_preset(tmp_path / "p")
    data = pack(tmp_path / "p", tmp_path / "p.tar.gz").read_bytes()
    (tmp_path / "cut.tar.gz").write_bytes(data[: len(data) // 2])
    zipped = bytearray(pack(tmp_path / "p", tmp_path / "p.zip").read_bytes())
    offset = zipped.index(b"model.weights.h5") + 200  # inside that member's data
    zipped[offset] ^= 0xFF
    (tmp_path / "crc.zip").write_bytes(bytes(zipped))
    (tmp_path / "dir.zip").write_bytes(bytes(zipped[: zipped.rindex(b"PK\x01\x02") + 10]) +
                                       bytes(zipped[-22:]))
    for name in ("cut.tar.gz", "crc.zip", "dir.zip"):
        target = tmp_path / f"out-{name}"
        target.mkdir()
        with pytest.raises(hub.PresetFormatError, match="damaged archive") as info:
            safe_extract(tmp_path / name, target)
        assert name in str(info.value) and "\n" not in str(info.value)
        assert list(target.iterdir()) == []


def test_plain_archives_extract(tmp_path):
    make_preset(tmp_path / "p")
    files = preset_members(tmp_path / "p")
    dotted = tar_with(tmp_path / "dotted.tar.gz",  # what `tar czf x.tgz -C p .` writes
                      [folder("."), *[(f"./{name}", data) for name, data in files]])
    zipped = zip_with(tmp_path / "z.zip", [("p/", b""), *[(f"p/{n}", d) for n, d in files]])
    for archive, inner in ((dotted, ""), (zipped, "p")):
        target = tmp_path / f"out-{archive.name}"
        target.mkdir()
        safe_extract(archive, target)
        assert hub.verify_preset(target / inner)["latent_dim"] == 4
        assert sorted(p.name for p in target.iterdir()) == sorted(
            [inner] if inner else [n for n, _ in files])
    target = tmp_path / "from-bytes"
    target.mkdir()
    safe_extract(io.BytesIO(dotted.read_bytes()), target)  # a file object works too
    assert (target / "config.json").read_bytes() == (tmp_path / "p" / "config.json").read_bytes()
    with pytest.raises(FileExistsError, match="already holds 'config.json'"):
        safe_extract(dotted, target)  # never over what is there


def test_not_an_archive(tmp_path):
    path = tmp_path / "junk.tar.gz"
    path.write_bytes(b"not an archive at all")
    with pytest.raises(hub.UnsafeArchiveError, match="neither a tar nor a zip"):
        safe_extract(path, tmp_path)


def test_bad_limit_in_the_environment_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_WGAN_MAX_ARCHIVE_MEMBERS", "lots")
    with pytest.raises(ValueError, match="KERAS_WGAN_MAX_ARCHIVE_MEMBERS must be a positive "
                                         "number, got 'lots'"):
        safe_extract(tar_with(tmp_path / "a.tar.gz", [OK]), tmp_path)


def test_malicious_archive_served_over_http_leaves_cache_clean(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_WGAN_CACHE", str(tmp_path / "cache"))
    make_preset(tmp_path / "tiny")
    members = preset_members(tmp_path / "tiny", "tiny")
    bad = tar_with(tmp_path / "bad.tar.gz", members + [("tiny/../../../owned", b"x")])
    with serve({"/bad.tar.gz": bad.read_bytes()}) as server:
        with pytest.raises(hub.UnsafeArchiveError, match="'..'"):
            hub.load(server.url("/bad.tar.gz"))
    assert not (tmp_path / "cache" / "entries").exists()
    assert list((tmp_path / "cache" / "tmp").iterdir()) == []
    assert not (tmp_path / "owned").exists()


@pytest.mark.parametrize("suffix,mode", [(".tar.bz2", "w:bz2"), (".tar.xz", "w:xz"),
                                         (".tar", "w")])
def test_bzip2_xz_and_plain_tars_load(suffix, mode, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_WGAN_CACHE", str(tmp_path / "cache"))
    make_preset(tmp_path / "tiny")
    path = tmp_path / f"tiny{suffix}"
    with tarfile.open(path, mode) as t:
        t.add(tmp_path / "tiny", arcname="tiny")
    assert hub.load(path).latent_dim == 4
