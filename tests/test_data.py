"""rnnlib.core.data: registry, mirror, cache, download, extraction and checksums."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import re
import socket
import time
from pathlib import Path

import pooch
import pytest
from conftest import ALPHA, TOY_FILES, Toy, ToyFactory, make_tar, make_zip, sha256_bytes, write_tree

from rnnlib.core import data, download, local_data
from rnnlib.core.data import (
    CACHE_ENV,
    LISTED_FILES,
    MIRROR_ENV,
    OFFLINE_ENV,
    REGISTRY,
    CacheAccessError,
    ChecksumError,
    DataError,
    DataFile,
    DatasetSpec,
    DataUnavailableError,
    UnknownDatasetError,
    cache_dir,
    fetch,
    fetch_file,
    get_dataset,
    mirror_dir,
    sha256_of,
)


def go_online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(OFFLINE_ENV, raising=False)


# --------------------------------------------------------------------------- errors and registry


def test_error_hierarchy() -> None:
    for cls in (UnknownDatasetError, ChecksumError, DataUnavailableError, CacheAccessError):
        assert issubclass(cls, DataError)
    assert issubclass(DataError, RuntimeError)


def test_registry_lists_the_18_surname_files() -> None:
    names = REGISTRY["names"]
    assert names.name == "names"
    assert names.archive_format == "zip"
    assert names.url.startswith("https://")
    assert len(names.files) == 18
    langs = [Path(f.path).stem for f in names.files]
    assert langs == sorted(langs)
    assert {"Arabic", "Korean", "Russian", "Vietnamese"} <= set(langs)
    for entry in names.files:
        assert re.fullmatch(r"names/[A-Z][a-z]+\.txt", entry.path)
        assert entry.member == f"data/{entry.path}"
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)


def test_registry_lists_the_16_amazon_review_files() -> None:
    balanced, unprocessed = REGISTRY["amazon_reviews"], REGISTRY["amazon_reviews_unprocessed"]
    assert balanced.url.endswith("/~mdredze/datasets/sentiment/domain_sentiment_data.tar.gz")
    assert unprocessed.url.endswith("/~mdredze/datasets/sentiment/unprocessed.tar.gz")
    for dataset, folder, member_folder, categories in (
        (
            balanced,
            "sorted_data_acl",
            "sorted_data_acl",
            {"books", "dvd", "electronics", "kitchen_&_housewares"},
        ),
        (unprocessed, "unprocessed_subset", "sorted_data", {"apparel", "automotive", "baby", "beauty"}),
    ):
        assert dataset.archive_format == "tar"
        assert len(dataset.files) == 8
        seen = set()
        for entry in dataset.files:
            match = re.fullmatch(
                rf"amazon_multidomain_sentiment/{folder}/([a-z_&]+)/(positive|negative)\.review", entry.path
            )
            assert match, entry.path
            seen.add(match.group(1))
            assert entry.member == f"{member_folder}/{match.group(1)}/{match.group(2)}.review"
            assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
            # Only the unprocessed files, whose mirror copies carry an added <root> wrapper,
            # accept other digests (those of the copy without the wrapper).
            assert len(entry.alt_sha256) == (2 if dataset is unprocessed else 0)
            assert all(re.fullmatch(r"[0-9a-f]{64}", d) and d != entry.sha256 for d in entry.alt_sha256)
        assert seen == categories


def test_get_dataset_default_and_custom_registry(toy: ToyFactory) -> None:
    assert get_dataset("names") is REGISTRY["names"]
    t = toy()
    assert get_dataset("toy", t.registry) is t.dataset


def test_get_dataset_unknown_lists_known_ones() -> None:
    with pytest.raises(
        UnknownDatasetError,
        match=r"Unknown dataset 'nmaes'\. Known datasets: amazon_reviews, amazon_reviews_unprocessed, "
        r"names, pjm_hourly, pjm_hourly_pjme, pjm_hourly_reconstructed\..*spelling",
    ):
        get_dataset("nmaes")


def test_get_dataset_unknown_in_empty_registry() -> None:
    with pytest.raises(UnknownDatasetError, match=r"Known datasets: \(none\).*register the dataset"):
        get_dataset("names", {})


def test_dataset_file_lookup_and_unknown_file(toy: ToyFactory) -> None:
    dataset = toy().dataset
    assert dataset.file(ALPHA) == DataFile(ALPHA, sha256_bytes(TOY_FILES[ALPHA]), f"data/{ALPHA}")
    with pytest.raises(
        UnknownDatasetError, match=r"has no file 'toy/gamma\.txt'.*toy/alpha\.txt, toy/beta\.txt"
    ):
        dataset.file("toy/gamma.txt")


def test_sha256_of_matches_hashlib_across_blocks(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 6000  # 1.5 MB: more than one 1 MiB block
    path = tmp_path / "blob.bin"
    path.write_bytes(payload)
    assert sha256_of(path) == hashlib.sha256(payload).hexdigest()
    assert sha256_of(str(path)) == hashlib.sha256(payload).hexdigest()
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert sha256_of(empty) == hashlib.sha256(b"").hexdigest()


# --------------------------------------------------------------------------- mirror_dir / cache_dir


def test_mirror_dir_unset_or_blank_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mirror_dir() is None
    monkeypatch.setenv(MIRROR_ENV, "   ")
    assert mirror_dir() is None


def test_mirror_dir_returns_directory_and_expands_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path))
    assert mirror_dir() == tmp_path
    (tmp_path / "m").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(MIRROR_ENV, "~/m")
    assert mirror_dir() == tmp_path / "m"


@pytest.mark.parametrize("kind", ["file", "missing"])
def test_mirror_dir_not_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    target = tmp_path / "not-a-dir"
    if kind == "file":
        target.write_text("x")
    monkeypatch.setenv(MIRROR_ENV, str(target))
    with pytest.raises(
        DataError, match=r"RNNLIB_DATA_MIRROR=.*is not a directory\. Point it at .*or unset it"
    ):
        mirror_dir()


def test_cache_dir_from_env_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(CACHE_ENV, "~/c2")
    assert cache_dir() == tmp_path / "c2"
    monkeypatch.delenv(CACHE_ENV)
    assert cache_dir() == Path(pooch.os_cache("rnnlib"))


# --------------------------------------------------------------------------- fetch_file: mirror


def test_mirror_hit_returns_mirror_file_without_download(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    mirror = tmp_path / "mirror"
    write_tree(mirror, TOY_FILES)
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    go_online(monkeypatch)
    assert fetch_file("toy", ALPHA, registry=t.registry) == mirror / ALPHA
    assert t.server.requests == []
    assert not (cache_dir() / ALPHA).exists()


def test_mirror_checksum_mismatch(toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy()
    mirror = tmp_path / "mirror"
    write_tree(mirror, {ALPHA: b"tampered\n"})
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    go_online(monkeypatch)
    expected = sha256_bytes(TOY_FILES[ALPHA])
    with pytest.raises(ChecksumError) as info:
        fetch_file("toy", ALPHA, registry=t.registry)
    message = str(info.value)
    assert "Dataset 'toy'" in message
    assert "from the mirror RNNLIB_DATA_MIRROR" in message
    assert sha256_bytes(b"tampered\n") in message
    assert f"expected {expected}" in message
    assert "Fix: replace it with the original file, or delete it" in message
    assert t.server.requests == []  # a bad mirror is reported, not silently bypassed


def test_mirror_variable_pointing_to_a_file(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    not_dir = tmp_path / "mirror.txt"
    not_dir.write_text("")
    monkeypatch.setenv(MIRROR_ENV, str(not_dir))
    with pytest.raises(DataError, match=r"is not a directory.*RNNLIB_DATA_MIRROR=/path/to/shared/data"):
        fetch_file("toy", ALPHA, registry=t.registry)


def test_mirror_without_the_file_falls_back_to_download(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    go_online(monkeypatch)
    path = fetch_file("toy", ALPHA, registry=t.registry)
    assert path == cache_dir() / ALPHA
    assert path.read_bytes() == TOY_FILES[ALPHA]


# --------------------------------------------------------------------------- fetch_file: cache


def test_cache_hit_needs_no_network(toy: ToyFactory) -> None:
    t = toy()
    write_tree(cache_dir(), TOY_FILES)
    # RNNLIB_OFFLINE=1 (set by conftest): a cached, valid file must still be found.
    assert fetch_file("toy", ALPHA, registry=t.registry) == cache_dir() / ALPHA
    assert t.server.requests == []


def test_corrupt_cache_is_replaced_by_a_download(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy()
    write_tree(cache_dir(), {ALPHA: b"corrupt"})
    go_online(monkeypatch)
    path = fetch_file("toy", ALPHA, registry=t.registry)
    assert path == cache_dir() / ALPHA
    assert path.read_bytes() == TOY_FILES[ALPHA]
    assert t.server.requests == ["/toy.zip"]


def test_corrupt_cache_offline_is_removed_and_reported(toy: ToyFactory) -> None:
    t = toy()
    write_tree(cache_dir(), {ALPHA: b"corrupt"})
    with pytest.raises(DataUnavailableError, match=r"had a wrong checksum and was removed"):
        fetch_file("toy", ALPHA, registry=t.registry)
    assert not (cache_dir() / ALPHA).exists()


# --------------------------------------------------------------------------- fetch_file: download


def test_download_extracts_into_cache_and_verifies(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy()
    go_online(monkeypatch)
    path = fetch_file("toy", ALPHA, registry=t.registry)
    assert path == cache_dir() / ALPHA
    assert path.read_bytes() == TOY_FILES[ALPHA]
    assert sha256_of(path) == t.dataset.file(ALPHA).sha256
    assert t.server.requests == ["/toy.zip"]
    assert (cache_dir() / "_downloads" / "toy-toy.zip").is_file()
    assert not list(cache_dir().rglob("*.part"))
    # A second call is a cache hit: no new request.
    assert fetch_file("toy", ALPHA, registry=t.registry) == path
    assert t.server.requests == ["/toy.zip"]


def test_fetch_returns_every_file(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy()
    go_online(monkeypatch)
    paths = fetch("toy", registry=t.registry)
    assert set(paths) == set(TOY_FILES)
    for rel, content in TOY_FILES.items():
        assert paths[rel] == cache_dir() / rel
        assert paths[rel].read_bytes() == content
    assert t.server.requests == ["/toy.zip"]  # the archive is downloaded once, for both files


def test_download_from_tar_archive(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy(fmt="tar")
    go_online(monkeypatch)
    paths = fetch("toy", registry=t.registry)
    for rel, content in TOY_FILES.items():
        assert paths[rel].read_bytes() == content
    assert t.server.requests == ["/toy.tar.gz"]


def test_tar_archive_without_the_member(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy(fmt="tar", archive_members={"data/toy/beta.txt": TOY_FILES["toy/beta.txt"]})
    go_online(monkeypatch)
    with pytest.raises(DataUnavailableError, match=r"download: .*toy\.tar\.gz failed \(KeyError"):
        fetch_file("toy", ALPHA, registry=t.registry)
    assert not (cache_dir() / ALPHA).exists()
    assert not list(cache_dir().rglob("*.part"))


def test_tar_member_that_is_a_directory(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy(fmt="tar", archive_members={}, tar_directories=(f"data/{ALPHA}",))
    go_online(monkeypatch)
    with pytest.raises(DataUnavailableError, match=r"failed \(KeyError: 'data/toy/alpha\.txt'\)"):
        fetch_file("toy", ALPHA, registry=t.registry)
    assert not list(cache_dir().rglob("*.part"))


def test_zip_archive_without_the_member(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy(archive_members={"data/toy/beta.txt": TOY_FILES["toy/beta.txt"]})
    go_online(monkeypatch)
    with pytest.raises(DataUnavailableError, match=r"toy\.zip failed \(KeyError"):
        fetch_file("toy", ALPHA, registry=t.registry)
    assert not (cache_dir() / ALPHA).exists()
    assert not list(cache_dir().rglob("*.part"))


def test_download_with_wrong_content_is_a_checksum_error(
    toy: ToyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy(sha_override={ALPHA: "0" * 64})
    go_online(monkeypatch)
    with pytest.raises(
        ChecksumError, match=r"from the download of http://127\.0\.0\.1:\d+/toy\.zip.*expected 0{64}"
    ):
        fetch_file("toy", ALPHA, registry=t.registry)


def test_archive_sha256_is_checked(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    go_online(monkeypatch)
    good = toy()
    digest = sha256_of(good.archive)
    ok = toy(archive_sha256=digest)
    assert fetch_file("toy", ALPHA, registry=ok.registry).read_bytes() == TOY_FILES[ALPHA]


def test_wrong_archive_sha256_fails_the_download(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    go_online(monkeypatch)
    t = toy(archive_sha256="f" * 64)
    with pytest.raises(DataUnavailableError, match=r"toy\.zip failed \(ValueError"):
        fetch_file("toy", ALPHA, registry=t.registry)
    assert not (cache_dir() / ALPHA).exists()


def test_http_404_says_the_file_is_gone_not_to_connect(
    toy: ToyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 404 is not cured by connecting to the internet: the message says the file moved."""
    t = toy()
    missing = dataclasses.replace(t.dataset, url=f"{t.server.url}/missing.zip")
    go_online(monkeypatch)
    gone = r"missing\.zip failed \(SourceGoneError: .*HTTP 404"
    with pytest.raises(DataUnavailableError, match=gone) as info:
        fetch_file("toy", ALPHA, registry={"toy": missing})
    message = str(info.value)
    assert "the file has moved or is no longer there" in message
    assert "Fix: report the broken address" in message and "rnnlib.core.catalog" in message
    assert "or set RNNLIB_DATA_MIRROR to a folder that holds" in message
    assert "connect to the internet" not in message
    assert not list((cache_dir() / data.DOWNLOADS_FOLDER).iterdir())  # nothing half-written is kept


# --------------------------------------------------------------------------- unknown / offline / failure


def test_fetch_file_unknown_dataset_and_file(toy: ToyFactory) -> None:
    t = toy()
    with pytest.raises(UnknownDatasetError, match=r"Unknown dataset 'names'\. Known datasets: toy\."):
        fetch_file("names", "names/Arabic.txt", registry=t.registry)
    with pytest.raises(UnknownDatasetError, match=r"no file 'toy/x\.txt'\. Its files are: toy/alpha\.txt"):
        fetch_file("toy", "toy/x.txt", registry=t.registry)
    with pytest.raises(UnknownDatasetError, match=r"Known datasets: amazon_reviews, .*names"):
        fetch("nope")


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_offline_skips_the_download(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    t = toy()
    monkeypatch.setenv(OFFLINE_ENV, value)
    with pytest.raises(DataUnavailableError) as info:
        fetch_file("toy", ALPHA, registry=t.registry)
    message = str(info.value)
    assert "download: skipped because RNNLIB_OFFLINE is set" in message
    assert f"cache: {cache_dir() / ALPHA} does not exist" in message
    assert t.server.requests == []


def test_offline_zero_means_online(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy()
    monkeypatch.setenv(OFFLINE_ENV, "0")
    assert fetch_file("toy", ALPHA, registry=t.registry).read_bytes() == TOY_FILES[ALPHA]


def test_failed_download_is_quick_and_lists_places_tried(
    toy: ToyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy(url="http://127.0.0.1:9/x.zip")
    go_online(monkeypatch)
    start = time.perf_counter()
    with pytest.raises(DataUnavailableError) as info:
        fetch_file("toy", ALPHA, registry=t.registry)
    assert time.perf_counter() - start < 10
    message = str(info.value)
    assert f"Dataset 'toy': cannot find {ALPHA}. Tried:" in message
    assert "mirror: RNNLIB_DATA_MIRROR is not set" in message
    assert f"cache: {cache_dir() / ALPHA} does not exist" in message
    assert "download: http://127.0.0.1:9/x.zip failed" in message
    assert "Fix: connect to the internet so rnnlib can download http://127.0.0.1:9/x.zip" in message
    assert f"or set RNNLIB_DATA_MIRROR to a folder that holds {ALPHA}" in message


def test_failure_message_names_the_missing_mirror_file(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path))
    with pytest.raises(DataUnavailableError, match=re.escape(f"mirror: {tmp_path / ALPHA} does not exist")):
        fetch_file("toy", ALPHA, registry=t.registry)


def test_timeout_and_deadline_reach_the_downloader(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """fetch_file and fetch hand their timeout (DOWNLOAD_TIMEOUT by default) and deadline
    (RNNLIB_DOWNLOAD_DEADLINE, else DOWNLOAD_DEADLINE) to the downloader."""
    seen: list[tuple[float, float]] = []
    real = download.Downloader

    def spy(timeout: float, deadline: float) -> download.Downloader:
        seen.append((timeout, deadline))
        return real(timeout, deadline)

    monkeypatch.setattr(download, "Downloader", spy)
    go_online(monkeypatch)
    t: Toy = toy()
    fetch_file("toy", ALPHA, registry=t.registry, timeout=3.5)
    (cache_dir() / ALPHA).unlink()
    fetch_file("toy", ALPHA, registry=t.registry, deadline=12)
    (cache_dir() / ALPHA).unlink()
    monkeypatch.setenv(download.DEADLINE_ENV, " 90 ")
    fetch("toy", registry=t.registry, timeout=1.25)
    assert seen == [
        (3.5, data.DOWNLOAD_DEADLINE),
        (data.DOWNLOAD_TIMEOUT, 12.0),
        (1.25, 90.0),
        (1.25, 90.0),
    ]


def test_a_server_that_never_answers_fails_after_the_timeout(
    toy: ToyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that accepts the connection but sends nothing must not hang the notebook."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel completes the handshake; nobody ever answers
        t = toy(url=f"http://127.0.0.1:{silent.getsockname()[1]}/toy.zip")
        go_online(monkeypatch)
        start = time.perf_counter()
        with pytest.raises(DataUnavailableError, match=r"toy\.zip failed \(\w*(Timeout|Error)"):
            fetch_file("toy", ALPHA, registry=t.registry, timeout=0.3)
        assert time.perf_counter() - start < 5


def test_bad_archive_is_downloaded_again_once_the_server_is_fixed(
    toy: ToyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A download that is not a valid archive (captive portal, error page served with
    status 200) must not poison the cache: after the network is fixed, as the error
    message advises, the next call downloads again and succeeds.

    Regression test: the bad archive used to stay in <cache>/_downloads/, where
    pooch.retrieve(known_hash=None) reused it, so every later call failed with the same
    BadZipFile without contacting the server.
    """
    t = toy()
    good = t.archive.read_bytes()
    t.archive.write_bytes(b"<html>Please log in to the Wi-Fi</html>")
    go_online(monkeypatch)
    with pytest.raises(DataUnavailableError, match=r"(?s)failed \(BadZipFile.*Fix: connect to the internet"):
        fetch_file("toy", ALPHA, registry=t.registry)
    t.archive.write_bytes(good)  # the network is fixed
    path = fetch_file("toy", ALPHA, registry=t.registry)
    assert path.read_bytes() == TOY_FILES[ALPHA]
    assert t.server.requests == ["/toy.zip", "/toy.zip"]


@pytest.mark.parametrize("fmt", ["zip", "tar"])
def test_download_failing_its_checksum_is_deleted_and_fetched_afresh(
    toy: ToyFactory, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """A download whose file fails its checksum leaves nothing behind (archive, extracted
    file): once the source is fixed, the next call downloads it again and succeeds.

    Regression test: the archive used to stay in <cache>/_downloads/ and be reused by
    pooch, so every later call failed the checksum again without contacting the server.
    """
    tampered = {f"data/{p}": (b"tampered\n" if p == ALPHA else d) for p, d in TOY_FILES.items()}
    t = toy(fmt=fmt, archive_members=tampered)
    go_online(monkeypatch)
    with pytest.raises(ChecksumError) as info:
        fetch_file("toy", ALPHA, registry=t.registry)
    message = str(info.value)
    bad_digest = sha256_bytes(b"tampered\n")
    assert f"has SHA-256 {bad_digest}, expected {sha256_bytes(TOY_FILES[ALPHA])}" in message
    assert "rnnlib deleted it, so the next call downloads it afresh" in message
    assert f"RNNLIB_DATA_MIRROR=/path/to/shared/data with /path/to/shared/data/{ALPHA}" in message
    assert "rnnlib.core.catalog" in message
    assert not (cache_dir() / ALPHA).exists()
    assert not list((cache_dir() / data.DOWNLOADS_FOLDER).iterdir())
    good = {f"data/{p}": d for p, d in TOY_FILES.items()}
    if fmt == "zip":  # the source is fixed
        make_zip(t.archive, good)
    else:
        make_tar(t.archive, good)
    assert fetch_file("toy", ALPHA, registry=t.registry).read_bytes() == TOY_FILES[ALPHA]
    assert len(t.server.requests) == 2


# --------------------------------------------------------------------------- a cache that cannot be written


def deny_in(monkeypatch: pytest.MonkeyPatch, method: str, folder: Path) -> None:
    """Make ``Path.<method>`` fail, as in a read-only folder, for existing paths under ``folder``
    (the tests run as root, where chmod does not stop writes)."""
    real = getattr(Path, method)

    def denied(self: Path, *args: object, **kwargs: object) -> object:
        if self.is_relative_to(folder) and (method == "mkdir" or self.exists()):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, denied)


def assert_names_cache_and_fix(error: CacheAccessError) -> None:
    message = str(error)
    assert f"The cache folder {cache_dir()} is not writable" in message
    fix = "Fix: make it writable, or point rnnlib at another folder with RNNLIB_CACHE_DIR=<a writable folder>"
    assert fix in message
    assert isinstance(error, DataError) and isinstance(error.__cause__, OSError)


def test_corrupt_file_in_a_read_only_cache(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy()
    write_tree(cache_dir(), {ALPHA: b"corrupt"})
    deny_in(monkeypatch, "unlink", cache_dir())
    with pytest.raises(
        CacheAccessError, match=r"cannot remove .*alpha\.txt, which must not be reused: PermissionError"
    ) as info:
        fetch_file("toy", ALPHA, registry=t.registry)
    assert_names_cache_and_fix(info.value)


def test_unreadable_cached_file(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy()
    write_tree(cache_dir(), TOY_FILES)

    def unreadable(path: object) -> str:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(local_data, "sha256_of", unreadable)
    with pytest.raises(CacheAccessError, match=r"cannot read the cached copy .*alpha\.txt") as info:
        fetch_file("toy", ALPHA, registry=t.registry)
    assert_names_cache_and_fix(info.value)


def test_cache_folder_that_cannot_be_created(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pooch turns the failure into a PermissionError of its own, without an errno."""
    t = toy()
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "locked" / "cache"))
    real = os.makedirs

    def denied(name: str, *args: object, **kwargs: object) -> None:
        if Path(name).is_relative_to(tmp_path / "locked"):
            raise PermissionError(errno.EACCES, "Permission denied", name)
        real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "makedirs", denied)
    go_online(monkeypatch)
    with pytest.raises(
        CacheAccessError, match=r"cannot store the download of .*toy\.zip in the cache"
    ) as info:
        fetch_file("toy", ALPHA, registry=t.registry)
    assert_names_cache_and_fix(info.value)
    assert t.server.requests == []


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("mkdir", None),
        ("open", OSError(errno.EROFS, "Read-only file system")),
        ("open", OSError(errno.ENOSPC, "No space left on device")),
    ],
)
def test_extraction_into_a_cache_that_cannot_be_written(
    toy: ToyFactory, monkeypatch: pytest.MonkeyPatch, method: str, error: OSError | None
) -> None:
    t = toy()
    go_online(monkeypatch)
    with monkeypatch.context() as patch:
        if method == "mkdir":
            deny_in(patch, "mkdir", cache_dir() / "toy")
        else:
            real_open = open

            def full(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
                if "w" in mode and Path(str(file)).is_relative_to(cache_dir() / "toy"):
                    raise error  # type: ignore[misc]
                return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

            patch.setattr("builtins.open", full)
        with pytest.raises(
            CacheAccessError, match=r"cannot store the download of .*toy\.zip in the cache"
        ) as info:
            fetch_file("toy", ALPHA, registry=t.registry)
    assert_names_cache_and_fix(info.value)
    assert not list(cache_dir().rglob("*.part"))
    # The archive itself was fine: it is kept, and used once the cache can be written.
    assert (cache_dir() / data.DOWNLOADS_FOLDER / "toy-toy.zip").is_file()
    assert fetch_file("toy", ALPHA, registry=t.registry).read_bytes() == TOY_FILES[ALPHA]
    assert t.server.requests == ["/toy.zip"]


def test_download_failing_its_checksum_in_a_read_only_cache(
    toy: ToyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy(sha_override={ALPHA: "0" * 64})
    go_online(monkeypatch)
    deny_in(monkeypatch, "unlink", cache_dir())
    with pytest.raises(
        CacheAccessError, match=r"cannot remove .*alpha\.txt, which must not be reused"
    ) as info:
        fetch_file("toy", ALPHA, registry=t.registry)
    assert_names_cache_and_fix(info.value)


# --------------------------------------------------------------------------- alt_sha256


def with_alternatives(t: Toy, *, sha256: str, alt: tuple[str, ...]) -> dict[str, data.DatasetSpec]:
    """The toy registry with ALPHA's digest and accepted alternatives replaced."""
    files = tuple(
        dataclasses.replace(f, sha256=sha256, alt_sha256=alt) if f.path == ALPHA else f
        for f in t.dataset.files
    )
    return {"toy": dataclasses.replace(t.dataset, files=files)}


def test_data_file_accepts_its_digest_and_alternatives() -> None:
    entry = DataFile("x", "a" * 64, "m", alt_sha256=("b" * 64, "c" * 64))
    assert entry.accepts("a" * 64) and entry.accepts("b" * 64) and entry.accepts("c" * 64)
    assert not entry.accepts("d" * 64)
    only = DataFile("x", "a" * 64, "m")  # no alternatives: its own digest only
    assert only.accepts("a" * 64) and not only.accepts("b" * 64)


def test_alt_sha256_is_accepted_from_mirror_cache_and_download(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    registry = with_alternatives(t, sha256="0" * 64, alt=("1" * 64, sha256_bytes(TOY_FILES[ALPHA])))
    mirror = tmp_path / "mirror"
    write_tree(mirror, TOY_FILES)
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    assert fetch_file("toy", ALPHA, registry=registry) == mirror / ALPHA

    monkeypatch.delenv(MIRROR_ENV)
    go_online(monkeypatch)
    path = fetch_file("toy", ALPHA, registry=registry)  # download, verified against the alternative
    assert path == cache_dir() / ALPHA and path.read_bytes() == TOY_FILES[ALPHA]
    assert t.server.requests == ["/toy.zip"]
    assert fetch_file("toy", ALPHA, registry=registry) == path  # cache hit, not removed
    assert t.server.requests == ["/toy.zip"]


def test_alt_sha256_mismatch_lists_every_accepted_digest(
    toy: ToyFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    registry = with_alternatives(t, sha256="0" * 64, alt=("1" * 64, "2" * 64))
    mirror = tmp_path / "mirror"
    write_tree(mirror, TOY_FILES)
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    with pytest.raises(ChecksumError) as info:
        fetch_file("toy", ALPHA, registry=registry)
    message = str(info.value)
    assert f"has SHA-256 {sha256_bytes(TOY_FILES[ALPHA])}" in message
    assert f"expected {'0' * 64} (or one of {'1' * 64}, {'2' * 64})" in message
    assert "Fix: replace it with the original file" in message


def test_cached_file_matching_no_accepted_digest_is_removed(toy: ToyFactory) -> None:
    t = toy()
    registry = with_alternatives(t, sha256="0" * 64, alt=("1" * 64,))
    write_tree(cache_dir(), TOY_FILES)
    with pytest.raises(DataUnavailableError, match=r"had a wrong checksum and was removed"):
        fetch_file("toy", ALPHA, registry=registry)
    assert not (cache_dir() / ALPHA).exists()


# --------------------------------------------------------------------------- missing files: one error for all


def many_files(count: int) -> dict[str, DatasetSpec]:
    """A registry ``{"many": dataset}`` of ``count`` files, served by no server."""
    files = tuple(
        DataFile(f"many/f{i:02d}.txt", sha256_bytes(f"{i}\n".encode()), f"data/many/f{i:02d}.txt")
        for i in range(count)
    )
    spec = DatasetSpec("many", "many tiny files", "http://127.0.0.1:9/many.zip", "zip", files)
    return {"many": spec}


def test_offline_error_lists_every_missing_file_and_names_the_fix(toy: ToyFactory) -> None:
    """Offline, no mirror, empty cache: one error names every file, RNNLIB_OFFLINE and the mirror."""
    t = toy()
    with pytest.raises(DataUnavailableError) as info:
        fetch("toy", registry=t.registry)
    error = info.value
    message = str(error)
    assert error.dataset == "toy" and error.missing == tuple(TOY_FILES)
    assert message.startswith("Dataset 'toy': cannot find toy/alpha.txt, toy/beta.txt (2 of 2 files).\n")
    assert f"Tried, for {ALPHA} (and the same places for the others):" in message
    assert "download: skipped because RNNLIB_OFFLINE is set" in message
    assert "RNNLIB_OFFLINE='1' is set, so rnnlib did not download" in message
    assert f"Fix: unset RNNLIB_OFFLINE to let rnnlib download {t.dataset.url}" in message
    assert "`unset RNNLIB_OFFLINE` in a shell" in message
    assert "set RNNLIB_DATA_MIRROR to a folder that holds these files at the same paths below it" in message
    assert (
        f"`export RNNLIB_DATA_MIRROR=/path/to/shared/data` with the file /path/to/shared/data/{ALPHA}"
        in message
    )
    assert "the folder shared/data beside the checkout (../shared/data;" in message
    assert "connect to the internet" not in message  # offline on purpose: the network is not the problem
    assert "the course repository use" not in message
    assert t.server.requests == []


def test_the_real_names_dataset_offline_lists_all_18_files() -> None:
    """The error a student meets for chapter 1 without data: every surname file, by name."""
    with pytest.raises(DataUnavailableError) as info:
        fetch("names")
    message = str(info.value)
    files = [entry.path for entry in REGISTRY["names"].files]
    assert info.value.missing == tuple(files)
    assert f"Dataset 'names': cannot find {', '.join(files)} (18 of 18 files).\n" in message
    assert "names/Arabic.txt" in message and "names/Vietnamese.txt" in message
    assert "RNNLIB_OFFLINE='1' is set" in message
    assert (
        "RNNLIB_DATA_MIRROR=/path/to/shared/data` with the file /path/to/shared/data/names/Arabic.txt"
        in message
    )


def test_only_the_missing_files_are_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = many_files(3)
    mirror = tmp_path / "mirror"
    write_tree(mirror, {"many/f01.txt": b"1\n"})
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    with pytest.raises(DataUnavailableError) as info:
        fetch("many", registry=registry)
    message = str(info.value)
    assert info.value.missing == ("many/f00.txt", "many/f02.txt")
    assert "cannot find many/f00.txt, many/f02.txt (2 of 3 files).\n" in message
    assert f"mirror: {mirror / 'many/f00.txt'} does not exist" in message
    # The mirror is set: the fix is to complete it, at the paths the registry expects.
    assert f"or put these files into the mirror RNNLIB_DATA_MIRROR={mirror} at the same paths" in message
    assert f"({mirror / 'many/f00.txt'})" in message
    assert "/path/to/shared/data" not in message


def test_many_missing_files_are_counted_past_the_first_few() -> None:
    count = LISTED_FILES + 5
    registry = many_files(count)
    with pytest.raises(DataUnavailableError) as info:
        fetch("many", registry=registry)
    message = str(info.value)
    shown = LISTED_FILES // 2
    named = ", ".join(f"many/f{i:02d}.txt" for i in range(shown))
    assert f"cannot find {named} and {count - shown} more ({count} of {count} files).\n" in message
    assert f"many/f{shown:02d}.txt" not in message
    assert len(info.value.missing) == count  # the attribute keeps them all


def test_listing_names_up_to_listed_files() -> None:
    paths = [f"p{i}" for i in range(LISTED_FILES)]
    assert data._listing(paths) == ", ".join(paths)
    assert data._listing([*paths, "last"]).endswith(
        f"p{LISTED_FILES // 2 - 1} and {LISTED_FILES // 2 + 1} more"
    )


def test_failed_download_is_tried_once_and_every_missing_file_is_listed(
    toy: ToyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    t.archive.unlink()  # the server answers 404
    go_online(monkeypatch)
    with pytest.raises(DataUnavailableError) as info:
        fetch("toy", registry=t.registry)
    message = str(info.value)
    assert t.server.requests == ["/toy.zip"]  # not once per file
    assert info.value.missing == tuple(TOY_FILES)
    assert "cannot find toy/alpha.txt, toy/beta.txt (2 of 2 files)." in message
    assert "toy.zip failed (SourceGoneError" in message
    assert "Fix: report the broken address" in message  # a 404: connecting would not help
    assert "RNNLIB_OFFLINE" not in message


def test_failed_download_note_for_the_other_files(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The files after the first are not downloaded again, and their places say so."""
    t = toy(url="http://127.0.0.1:9/x.zip")
    go_online(monkeypatch)
    seen: list[list[str]] = []
    real = data._unavailable

    def spy(dataset: DatasetSpec, missing: list[tuple[DataFile, list[str]]], *args: object) -> DataError:
        seen.extend(tried for _, tried in missing)
        return real(dataset, missing, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(data, "_unavailable", spy)
    with pytest.raises(DataUnavailableError):
        fetch("toy", registry=t.registry)
    assert seen[0][-1].startswith("download: http://127.0.0.1:9/x.zip failed")
    assert seen[1][-1] == f"download: not tried again (it failed for {ALPHA})"


def test_fetch_a_subset_of_the_files(toy: ToyFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    t = toy()
    go_online(monkeypatch)
    assert fetch("toy", ["toy/beta.txt"], registry=t.registry) == {
        "toy/beta.txt": cache_dir() / "toy/beta.txt"
    }
    with pytest.raises(UnknownDatasetError, match=r"no file 'toy/gamma\.txt'"):
        fetch("toy", ["toy/gamma.txt"], registry=t.registry)
    with pytest.raises(TypeError, match=r"not the string 'toy/beta\.txt': use fetch_file"):
        fetch("toy", "toy/beta.txt", registry=t.registry)
    monkeypatch.setenv(OFFLINE_ENV, "1")
    with pytest.raises(DataUnavailableError) as info:
        fetch("toy", [ALPHA, "toy/beta.txt"], registry=t.registry)
    assert info.value.missing == (ALPHA,)  # beta is in the cache now
    assert f"Dataset 'toy': cannot find {ALPHA}. Tried:" in str(info.value)


def test_data_unavailable_error_defaults() -> None:
    error = DataUnavailableError("no data")
    assert str(error) == "no data" and error.dataset == "" and error.missing == ()
