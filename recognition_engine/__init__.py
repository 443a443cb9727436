"""Recognition decision support under the Lisbon Recognition Convention.

Importing the package loads no heavy library: torch and sentence-transformers are
imported only when an embedding model is first used.
"""

from .catalogue import Catalogue, Course, Programme
from .credential import MicroCredential
from .engine import Engine
from .errors import InputError, Problem
from .levels import Level
from .loaders import load_catalogue, load_credentials
from .outcomes import LearningOutcome, split_outcomes
from .workload import EctsRange, Workload

__version__ = "0.1.0"

__all__ = [
    "Catalogue", "Course", "Programme", "MicroCredential", "Engine", "InputError", "Problem", "Level",
    "load_catalogue", "load_credentials", "LearningOutcome", "split_outcomes", "EctsRange", "Workload",
    "__version__",
]
