"""Print the count of bad-input cases per category: ``python -m bad_input``."""

from __future__ import annotations

import collections

from . import CASES, CATEGORIES

by_category = collections.Counter(case.category for case in CASES)
print(f"{len(CASES)} cases over {len({c.name for c in CASES})} public names")
for category in CATEGORIES:
    errors = sum(1 for c in CASES if c.category == category and c.raises is not None)
    print(
        f"  {category:25s} {by_category[category]:5d}  ({errors} errors, "
        f"{by_category[category] - errors} correct results)"
    )
