"""Japanese text layer: normalise and mask, split into clauses, tokenise."""

from vocpipe.text.normalize import normalize_comment
from vocpipe.text.pii import mask_pii
from vocpipe.text.segment import Clause, split_clauses

__all__ = ["Clause", "mask_pii", "normalize_comment", "split_clauses"]
