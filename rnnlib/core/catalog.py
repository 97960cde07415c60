"""The course's datasets: every file rnnlib may read, with its SHA-256 and its public source.

- :data:`NAMES` -- the 18 surname files of the PyTorch char-RNN tutorial;
- :data:`AMAZON_REVIEWS` -- the balanced part of Blitzer et al.'s Multi-Domain Sentiment
  Dataset (books, dvd, electronics, kitchen_&_housewares);
- :data:`AMAZON_REVIEWS_UNPROCESSED` -- four unbalanced categories of its unprocessed part;
- :data:`PJM_HOURLY`, :data:`PJM_HOURLY_PJME`, :data:`PJM_HOURLY_RECONSTRUCTED` -- the 12
  CSVs of PJM hourly power load (Kaggle "Hourly Energy Consumption"), split by the public
  copy each comes from; NI and PJM_Load have none (mirror and cache only);
- :data:`REGISTRY` -- all of them, by name: what :func:`rnnlib.core.data.fetch` looks in.

To add a dataset, describe it with a :class:`~rnnlib.core.registry.DatasetSpec` here and
add it to :data:`REGISTRY`. The digests are those of the course's data mirror
(``shared/data``, whose README gives provenance and quirks).
"""

from __future__ import annotations

from rnnlib.core.registry import DataFile, DatasetSpec

__all__ = [
    "AMAZON_REVIEWS",
    "AMAZON_REVIEWS_UNPROCESSED",
    "NAMES",
    "PJM_HOURLY",
    "PJM_HOURLY_PJME",
    "PJM_HOURLY_RECONSTRUCTED",
    "PJM_SIZES",
    "REGISTRY",
]

_NAMES_SHA256 = {
    "Arabic": "6f424a8dbe51cbbbabab7a57d38b617210125e4e3991f3c657cb79b8f104bafc",
    "Chinese": "49263ef55a8cb1740e841d65cad8214b2f9b5b869bc534c811746422496fa91e",
    "Czech": "145bbbd6d0816578f03388e92c264d39ef1c60df920b081d371fa5c5cc055a8e",
    "Dutch": "924f32b635170eae561f84538632138fc07d4c8bbd70ba3fb980de1ecc4d2af3",
    "English": "9cca037066d3d5989e24bc01801416162de506b5e28e15b7c092a47905d29bf2",
    "French": "81e65b36c60ed5b89a17422f6edcadbb89546f38ad69e960e64e7ba682012a95",
    "German": "7449cd590b97a733e18d613a4155decd77ec35dc5f8aadd7a82204dce4f051db",
    "Greek": "3555b5186de7f401e6d991b088e9e644ca3099116477818c25ab5793801389e6",
    "Irish": "cf8c7013256252a88d2503127b87282a11f21b2ff6db1bded68834c19a1ec058",
    "Italian": "f88414c27d0606a11a678b4859277828c2565d6cc4d9ee932deef6e94f3b35e4",
    "Japanese": "e0e717e114fec3e7eade4d9dabe0067c475f43147e36a22b47902ee76ad9e67f",
    "Korean": "cd54221ccb362a6cba4c78828838cf3268a0e59744767a37cf6ec4b74036b136",
    "Polish": "45bab898af2f60ed3a728bbf6980e28821011a7caa53227553b5785903a40826",
    "Portuguese": "50a8735f41f4f73757c8ce5b16cb0275cd86b2b214bcbc8c9805f508cb131c53",
    "Russian": "43b3e64ce351f77f1ac9e0cdf7566012d127f4371875fd25208845b5c9d6f7c3",
    "Scottish": "78d0252711d87d948ea86fe34826c51d2d794a8e52d15b5d6f7b6244d45d62dd",
    "Spanish": "1bcb462ed3316756a85781d68232bddae04498fdddd5d9219c53fd1fbdeba7a7",
    "Vietnamese": "f3f9e4164ab47601178a6e45b216464a64122f49d05541f24bf18a757253281d",
}

#: The surnames -- 18 files, one language each, from the PyTorch char-RNN tutorial's zip.
#:
#: :meta hide-value:
NAMES = DatasetSpec(
    name="names",
    description=("Surnames from 18 languages, one per line (PyTorch char-RNN tutorial, BSD-3-Clause)."),
    url="https://download.pytorch.org/tutorial/data.zip",
    archive_format="zip",
    files=tuple(
        DataFile(f"names/{lang}.txt", digest, f"data/names/{lang}.txt")
        for lang, digest in sorted(_NAMES_SHA256.items())
    ),
)

#: Root of the Amazon review files below the data root (mirror and cache layout).
_AMAZON_ROOT = "amazon_multidomain_sentiment"

_AMAZON_SHA256 = {
    "books/negative": "562c58de7f739c9af2d62377ea2253ff73e89f69c84a332088f341cdb0e09660",
    "books/positive": "72c39d63dfd7edf77895de7c796f67e095f847f4b56bca0704aba3bbf57f23b9",
    "dvd/negative": "de1b539d29dc7edfbabf0ca4b1bce4e296d486533f3730012e4b49e36e762fa3",
    "dvd/positive": "fcf5207f79aa8af4910b5793c15fe90f25eb39501f9f4bdbd8f60a817224e28d",
    "electronics/negative": "571287120d63e289753231804f33169b2ec4348ca6d24fa0d781a3a08e6376ff",
    "electronics/positive": "98daefad1056ec8d98fe910bdb50ae282695b9c2b89c2bc1513b9d2203b38a11",
    "kitchen_&_housewares/negative": "0ad1fa1f4539b47933fcef01be674b1246d1dc01403197c1439004cbaf4b543e",
    "kitchen_&_housewares/positive": "90ebec2b5a6ac040e16836c32b8efbd92ce98804b916c6367f7ade3b8d536798",
}

# The mirror's unprocessed files start with an added "<root>" line and end with an added
# "</root>" line (no final newline), which, according to shared/data/README.md, the
# originals in unprocessed.tar.gz do not have. The alternative digests are those of the
# mirror's files with these lines removed: first the exact first line "<root>\n" and the
# last line "</root>"; second, also the blank line just before "</root>", so that the file
# ends in "</review>\n" like the sorted_data_acl files. Both are derived from the README's
# statement, NOT checked against a download of unprocessed.tar.gz: if a fresh download
# still fails its checksum, compare it with the mirror's copy and fix these digests.
# Each tuple holds the mirror's SHA-256, then the two alternatives.
_UNPROCESSED_SHA256 = {
    "apparel/negative": (
        "918ce30d03710622569623acc2ca2cd1f4f6e22e98bee27682297ed6a1050b1f",
        "21f91e0653a62588dfdb61ccb4f2d4580d2e0b230bf3a688001a81854b94a983",
        "5c58e40be4836566c5d3d7ffb742221cf4ed5fe1f5572f3b4dff6740a69e00ee",
    ),
    "apparel/positive": (
        "948bb4391f33d9cde25d16d384b98594366de51418022eb8da9d36137924db93",
        "e737565a346d31eae0c6364913fb468d29f8f4a21089a0199b741d2ca92012f7",
        "622ff2d7ce67ffa26c3f3287610d3375080ce7b4c5785a91d9d447c0aa124bc5",
    ),
    "automotive/negative": (
        "25265c40bac933ab271758762f35dbaffacadef6bafbb6f2f25ef741c9d23ad6",
        "b78c6d64d27cfaec0f3c644a47cc46907267873a4d0d21f051904c760c583e0e",
        "86251b4d94095c7daad203de6b35528a87422b4622e247c0470e84dea39c41c4",
    ),
    "automotive/positive": (
        "8b78d4593e77bcb02c4239f4928714a57434577a7b3597a0608fb21eee4ae553",
        "ee1fc4f93e891337945bd3fe73d056d3fd96d41d878f43eeefcfe9d9aac6019f",
        "24c4cb3907ce3e7e2821189e16c7ea94b25500a65220172d888952821a9be593",
    ),
    "baby/negative": (
        "973adbd3587259f35507a25b156fa74a3cf9373fb82da38a82500be23be87f71",
        "1d9a761d0af1d1948d93e32ad9780dc75021ec5b38bd77d856e0a6008c4c5c07",
        "e59b23a1882ea85cb7724ff8816f16559dc43e14659faf4ae17dd4764394e732",
    ),
    "baby/positive": (
        "9788dc6007d0b8c266af6bac37f78eca80365f4f999b61e0d1fa6f7f99e64f63",
        "d17871e3b6d70b716c1133bd512ee4822abc332202d780879f3d6d10877dcd9f",
        "8cb35781f514266411466bac1b119830af22ab718cec7683213d7d4efcff71fa",
    ),
    "beauty/negative": (
        "6957ee5d3aeb0cd797842f4afa8f30afdc60618306a57e16042cf92898d9fa24",
        "7e2785565a627a18beff075456571e76504d1b602aa8ee4b52b3c7534e0ef723",
        "5541b9e3eae8ba0b69eae95d5d52d311a1feed5816b6048e6c41e43e696cb7b0",
    ),
    "beauty/positive": (
        "85d1a48cac349bbdcf530b3e51802608e9ebfd83fc33f81c1745a29e7b63739a",
        "93805eb27a71d74887a8a9ffb80f8a7aa78f92b80ab8ec2db636e84b9bc545ec",
        "5bf3431979d112188d2d61aa66ee3861c8bb9dbc11110f419c8f8870615d69cb",
    ),
}

_BLITZER = (
    "Blitzer, Dredze and Pereira (ACL 2007), Amazon.com reviews, research and teaching use with attribution"
)

#: The balanced part of the Multi-Domain Sentiment Dataset -- 8 files, the positive and the
#: negative reviews of 4 domains.
#:
#: :meta hide-value:
AMAZON_REVIEWS = DatasetSpec(
    name="amazon_reviews",
    description=(
        "Multi-Domain Sentiment Dataset, balanced part: books, dvd, electronics and "
        f"kitchen_&_housewares, 1000 positive and 1000 negative reviews each ({_BLITZER})."
    ),
    url="https://www.cs.jhu.edu/~mdredze/datasets/sentiment/domain_sentiment_data.tar.gz",
    archive_format="tar",
    files=tuple(
        DataFile(f"{_AMAZON_ROOT}/sorted_data_acl/{key}.review", digest, f"sorted_data_acl/{key}.review")
        for key, digest in sorted(_AMAZON_SHA256.items())
    ),
)

#: 4 unbalanced categories of the dataset's unprocessed part -- 8 files, positive and negative.
#:
#: :meta hide-value:
AMAZON_REVIEWS_UNPROCESSED = DatasetSpec(
    name="amazon_reviews_unprocessed",
    description=(
        "Multi-Domain Sentiment Dataset, 4 of the 25 unprocessed categories: apparel, "
        f"automotive, baby and beauty, unbalanced ({_BLITZER})."
    ),
    url="https://www.cs.jhu.edu/~mdredze/datasets/sentiment/unprocessed.tar.gz",
    archive_format="tar",
    files=tuple(
        DataFile(
            f"{_AMAZON_ROOT}/unprocessed_subset/{key}.review",
            mirror_digest,
            f"sorted_data/{key}.review",
            alt_sha256=tuple(alternatives),
        )
        for key, (mirror_digest, *alternatives) in sorted(_UNPROCESSED_SHA256.items())
    ),
)


# --------------------------------------------------------------------------- PJM hourly load
# The 12 CSVs of Rob Mulla's Kaggle dataset "Hourly Energy Consumption" (PJM Interconnection
# load, listed as CC0 1.0), chapter 6. Kaggle needs a login, and no GitHub repository holds
# all 12 files unmodified (shared/data/README.md, section 3, tells which copies were checked
# and why). The registry downloads one archive per dataset, so the files are split by the
# public copy they come from, each fetched as GitHub's zip archive of the cited commit (whose
# members sit below "<repository>-<commit>/"):
# - PJM_HOURLY: 9 files from JacobWangTengda/predictT-serving (its PJME, NI and PJM_Load are
#   spreadsheet re-saves, hence the two other entries);
# - PJM_HOURLY_PJME: PJME_hourly.csv from KaniamLaes/EnergyConsumption (later commits
#   replaced it with a spreadsheet re-save, so the commit matters);
# - PJM_HOURLY_RECONSTRUCTED: NI and PJM_Load, written out from the dataset's own Parquet
#   file because no public copy is unmodified. They have NO download: their url is empty,
#   so a download fails at once, without touching the network, and
#   rnnlib.datasets.power.load_power turns the error into one that names
#   RNNLIB_DATA_MIRROR. Their members are the files' names in Kaggle's archive.
# The digests and sizes are those of the mirror's files (shared/data/hourly_energy_consumption).

#: Root of the PJM load files below the data root (mirror and cache layout).
_PJM_ROOT = "hourly_energy_consumption"

_PJM_DESCRIPTION = (
    "PJM Interconnection hourly load in MW, Kaggle 'Hourly Energy Consumption' by Rob Mulla "
    "(robikscube), compiled from PJM's public data, CC0 1.0"
)

_PREDICTT = "predictT-serving-b60474ef05172674ca1e8bafeaac8669307b20f8"

# region: (sha256, size in bytes); the size is for people (the registry checks the digest).
_PJM_SHA256 = {
    "AEP": ("109d122f7b485555c609eecdec2cd5a03172e0a08acd358d863acc93eb452585", 3395509),
    "COMED": ("2e79007e3f1be8765c92ff2b26314c0df0507bdd783110388a1e8d678d13fa1e", 1842915),
    "DAYTON": ("84d3397231d5819b5cf086ef9e87cadf6dd7954085f2834be7e37257702ec768", 3274443),
    "DEOK": ("070f9e0ece2fa97d5585f85bbf36122f5b3ab7f7f166db95fd0ebc3958d37600", 1558965),
    "DOM": ("aa040e6ff42029dbc6698066d1a12765b00c56f993127af22f26aa9b769373a6", 3206580),
    "DUQ": ("d4e09cca9f50c0c46eeef9feb8e5def5778368081c9af2a45cc0e8a798218071", 3214852),
    "EKPC": ("2036a4ed539b10d42b9249a662d1e55eda555bba8673745ee1f5586db5cfe6ab", 1220853),
    "FE": ("f2a4b89417cab06aaba451093f90d237fec911ccc70cd29a34449baaefdb8b3d", 1701528),
    "PJMW": ("74b9c6c03e74933bfaf1f472eea18a2a09552289317858f6b1931fbc87c3996f", 3866578),
}

_PJME_SHA256 = ("4eb2b16d42bf07ec41ab55cb842191594cb69452725a6d3c0991658a628fde84", 4070265)

_PJM_RECONSTRUCTED_SHA256 = {
    "NI": ("8de74f28ae6d03bd5d33050b00a2a1a001a8bff37e8e7100bf790003ea61030f", 1621599),
    "PJM_Load": ("7dc080b7dfa4812c92f609a99cf1900cfbd49656412e744bf977d83500cebda0", 921109),
}

#: The hourly load of 9 PJM regions (one CSV each), from one public copy.
#:
#: :meta hide-value:
PJM_HOURLY = DatasetSpec(
    name="pjm_hourly",
    description=(
        "Hourly load of 9 PJM regions: AEP, COMED, DAYTON, DEOK, DOM, DUQ, EKPC, FE, PJMW "
        f"({_PJM_DESCRIPTION}); copy of JacobWangTengda/predictT-serving."
    ),
    url=(
        "https://github.com/JacobWangTengda/predictT-serving/archive/"
        "b60474ef05172674ca1e8bafeaac8669307b20f8.zip"
    ),
    archive_format="zip",
    files=tuple(
        DataFile(f"{_PJM_ROOT}/{region}_hourly.csv", digest, f"{_PREDICTT}/data/{region}_hourly.csv")
        for region, (digest, _size) in sorted(_PJM_SHA256.items())
    ),
)

#: The hourly load of PJM East (1 CSV), from another public copy.
#:
#: :meta hide-value:
PJM_HOURLY_PJME = DatasetSpec(
    name="pjm_hourly_pjme",
    description=(
        f"Hourly load of PJM East, 2002-2018 ({_PJM_DESCRIPTION}); copy of KaniamLaes/EnergyConsumption."
    ),
    url=(
        "https://github.com/KaniamLaes/EnergyConsumption/archive/e964239659f7af4a5da73bb17dd4bd26428b8b5e.zip"
    ),
    archive_format="zip",
    files=(
        DataFile(
            f"{_PJM_ROOT}/PJME_hourly.csv",
            _PJME_SHA256[0],
            "EnergyConsumption-e964239659f7af4a5da73bb17dd4bd26428b8b5e/PJME_hourly.csv",
        ),
    ),
)

#: The hourly load of NI and PJM_Load (2 CSVs), with no public copy (mirror and cache only).
#:
#: :meta hide-value:
PJM_HOURLY_RECONSTRUCTED = DatasetSpec(
    name="pjm_hourly_reconstructed",
    description=(
        f"Hourly load of NI (2004-2011) and PJM_Load (1998-2002) ({_PJM_DESCRIPTION}); no "
        "unmodified public copy exists, so these two are in the course's data mirror and the "
        "cache only (reconstructed from the dataset's Parquet file, see shared/data/README.md)."
    ),
    url="",
    archive_format="zip",
    files=tuple(
        DataFile(f"{_PJM_ROOT}/{region}_hourly.csv", digest, f"{region}_hourly.csv")
        for region, (digest, _size) in sorted(_PJM_RECONSTRUCTED_SHA256.items())
    ),
)

#: Size in bytes of each of the 12 PJM files (those of the three ``pjm_hourly*`` datasets), by
#: path below the data root, for people and tests.
#:
#: :meta hide-value:
PJM_SIZES: dict[str, int] = {
    f"{_PJM_ROOT}/{region}_hourly.csv": size
    for region, (_digest, size) in {
        **_PJM_SHA256,
        "PJME": _PJME_SHA256,
        **_PJM_RECONSTRUCTED_SHA256,
    }.items()
}

#: Every dataset rnnlib knows, 6 datasets by name (the six above), what
#: :func:`rnnlib.core.data.fetch` looks in. Their 46 files are listed with their SHA-256 digests,
#: so the value is not printed here; ``REGISTRY[name].files`` lists one dataset's files.
#:
#: :meta hide-value:
REGISTRY: dict[str, DatasetSpec] = {
    dataset.name: dataset
    for dataset in (
        AMAZON_REVIEWS,
        AMAZON_REVIEWS_UNPROCESSED,
        NAMES,
        PJM_HOURLY,
        PJM_HOURLY_PJME,
        PJM_HOURLY_RECONSTRUCTED,
    )
}
