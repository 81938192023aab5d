"""Type aliases for the public signatures."""

from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ArrayLike", "Result"]

#: What the public functions return: an array, a NumPy scalar for 0-d
#: results, or (for tensor input) a torch tensor, which static typing
#: cannot name without making torch a dependency.
Result: TypeAlias = np.ndarray | np.generic | Any
