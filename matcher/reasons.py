"""Why a score or a decision is what it is: stable strings, held once.

The scorer attaches them to each `Scored` (`matcher.evidence` and
`matcher.scoring`), `matcher.decision` adds the last two, and the worker stores
them next to the confidence, so they must not change.
"""

from __future__ import annotations

GTIN_MATCH = "gtin_match"
GTIN_CONFLICT = "gtin_conflict"
BRAND_MATCH = "brand_match"
BRAND_MISSING = "brand_missing"
BRAND_CONFLICT = "brand_conflict"
MODEL_MATCH = "model_match"
MODEL_CONFLICT = "model_conflict"
MODEL_MISSING = "model_missing"
SIZE_CONFLICT = "size_conflict"
SIZE_MISSING = "size_missing"
VARIANT_CONFLICT = "variant_conflict"
UNMATCHED_WORDS = "unmatched_words"
PACK_CONFLICT = "pack_conflict"
THIRD_PARTY = "third_party"
NUMBER_CONFLICT = "number_conflict"
PRICE_CONFLICT = "price_conflict"
AMBIGUOUS = "ambiguous"
SAME_STORE = "same_store"
# A person decided this pair before (`matcher.memory`): the name was confirmed as this
# canonical product (links at 100), or rejected (never links, never suggested first).
CURATOR_CONFIRMED = "curator_confirmed"
CURATOR_REJECTED = "curator_rejected"
