"""redite's engine: pure functions and values. Text in, fingerprints and matches out.

No network, no files, no environment variables, no clocks.
"""

from detector.config import DetectorConfig
from detector.corpus import check_corpus
from detector.errors import InvalidArticle, InvalidConfig, RediteError
from detector.model import (
    Article,
    ArticleReport,
    InternalRepeats,
    Kind,
    Match,
    Passage,
    RepeatSpan,
)

__all__ = [
    "Article",
    "ArticleReport",
    "DetectorConfig",
    "InternalRepeats",
    "InvalidArticle",
    "InvalidConfig",
    "Kind",
    "Match",
    "Passage",
    "RediteError",
    "RepeatSpan",
    "check_corpus",
]
