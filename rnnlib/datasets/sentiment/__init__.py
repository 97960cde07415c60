"""The Amazon product reviews: parsing, tokens, DLStudio-style datasets and archives, tensors.

Explained in the chapter "Sentiment with one-hot words". The reviews are Blitzer et
al.'s Multi-Domain Sentiment Dataset, registered in :mod:`rnnlib.core.data` as two datasets:
``amazon_reviews`` (the balanced domains books, dvd, electronics and
kitchen_&_housewares) and ``amazon_reviews_unprocessed`` (apparel, automotive, baby and
beauty, unbalanced). DLStudio's own archives ``sentiment_dataset_{train,test}_{N}.tar.gz``
could not be found, so :func:`.build_datasets` builds the same structure from the raw
files, and :func:`.save_dlstudio_archive` writes it in DLStudio's format.

One module per job, every public name re-exported here (``sentiment.X``):

- :mod:`~rnnlib.datasets.sentiment.parsing` -- categories, :class:`.Review`,
  :func:`.parse_reviews`, :func:`.read_review_file`, :func:`.tokenize`, :func:`.load_reviews`;
- :mod:`~rnnlib.datasets.sentiment.dlstudio` -- :func:`.build_datasets`,
  :class:`.SentimentDataset`, :class:`.BuildReport`, :func:`.archive_name`;
- :mod:`~rnnlib.datasets.sentiment.archives` -- :func:`.save_dlstudio_archive`,
  :func:`.load_dlstudio_archive` and its trust store;
- :mod:`~rnnlib.datasets.sentiment.torchdata` -- :class:`.OneHotReviews`,
  :class:`.IndexReviews`, :func:`.collate_padded`, :func:`.collate_for_sentiment`,
  :func:`.bucketed_loader` (length-bucketed batches for training and evaluation),
  :func:`.frequent_words` (a vocabulary of the most frequent training words).

Choices, each made in one place and counted where it drops something:

* **Parsing** (:func:`.parse_reviews`). The ``.review`` files are not XML (bare ``&``,
  ``<unique_id>`` and ``<product_type>`` repeated in the unprocessed files, a ``<root>``
  wrapper in some copies), so each ``<review>...</review>`` block is found by a linear
  scan for its tags. For each field the first occurrence wins; values are stripped of
  surrounding whitespace and HTML entities (``&quot;``, ``&amp;``) are decoded. A byte that
  is not valid UTF-8 is an error naming the file (``read_review_file(..., errors="replace")``
  turns each into U+FFFD instead, which the tokenizer treats as a separator). A review
  without ``<review_text>`` gets the text ``""``. A ``<review>`` or a field left unclosed
  (before the next ``<review>`` or the end of the file) makes the whole file an error
  naming the line: it is truncated or damaged.
* **Tokens** (:func:`.tokenize`): lower case; a word is a run of letters and digits,
  keeping inner apostrophes (``don't``). DLStudio's own tokenization is undocumented.
* **What goes in** (:func:`.build_datasets`): the *text* of the first ``n`` reviews of each
  category and sentiment (not the title). Reviews with no word are dropped, and so are
  exact repeats within a category and sentiment (the same text posted for several
  products), which would otherwise land in both the training and the test part. Both
  are counted in :class:`.BuildReport`.
* **One vocabulary** over train *and* test, as DLStudio's archives ship one.
* **Tensors** (:class:`.OneHotReviews`, :class:`.IndexReviews`): words missing from the
  vocabulary are skipped; a review left with no known word is skipped and counted in
  ``skipped``, never turned into an empty tensor.
* **Archives are pickles**, and unpickling runs code: :func:`.load_dlstudio_archive`
  loads only archives it knows, and even those through an unpickler that can build
  nothing but dicts, lists and strings.
"""

from __future__ import annotations

from rnnlib.datasets.sentiment.archives import (
    KNOWN_ARCHIVE_SHA256,
    TRUSTED_ARCHIVES_FILE,
    ArchiveFormatError,
    UnsafeArchiveError,
    UntrustedArchiveError,
    load_dlstudio_archive,
    save_dlstudio_archive,
)
from rnnlib.datasets.sentiment.dlstudio import (
    SIZES,
    SPLITS,
    BuildReport,
    SentimentDataset,
    archive_name,
    build_datasets,
)
from rnnlib.datasets.sentiment.parsing import (
    BALANCED_CATEGORIES,
    CATEGORIES,
    NEGATIVE,
    POSITIVE,
    SENTIMENT_NAMES,
    UNPROCESSED_CATEGORIES,
    Review,
    load_reviews,
    parse_reviews,
    read_review_file,
    tokenize,
)
from rnnlib.datasets.sentiment.torchdata import (
    IndexReviews,
    OneHotReviews,
    bucketed_loader,
    collate_for_sentiment,
    collate_padded,
    frequent_words,
)

__all__ = [
    "BALANCED_CATEGORIES",
    "CATEGORIES",
    "KNOWN_ARCHIVE_SHA256",
    "NEGATIVE",
    "POSITIVE",
    "SENTIMENT_NAMES",
    "SIZES",
    "SPLITS",
    "TRUSTED_ARCHIVES_FILE",
    "UNPROCESSED_CATEGORIES",
    "ArchiveFormatError",
    "BuildReport",
    "IndexReviews",
    "OneHotReviews",
    "Review",
    "SentimentDataset",
    "UnsafeArchiveError",
    "UntrustedArchiveError",
    "archive_name",
    "bucketed_loader",
    "build_datasets",
    "collate_for_sentiment",
    "collate_padded",
    "frequent_words",
    "load_dlstudio_archive",
    "load_reviews",
    "parse_reviews",
    "read_review_file",
    "save_dlstudio_archive",
    "tokenize",
]
