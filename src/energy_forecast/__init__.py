"""Forecast France's daily electricity consumption from the calendar and temperatures."""

import os
import pkgutil

# The same numbers on every x86-64 machine. OpenBLAS and NumPy choose their kernels by the CPU
# they load on, and an AVX-512 kernel rounds otherwise than an AVX2 one: an optimizer stopped
# before convergence (the article's MLP) then ends elsewhere. So the AVX2 kernels, which every
# x86-64 CPU of the last ten years runs, are chosen before NumPy loads; a value already set is
# kept. (On ARM neither library knows these names.)
os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL AVX512_SPR")

# A served model carries the core alone as `energy_forecast` (its code directory, which MLflow
# puts first on sys.path): the rest of the package is then still found where it is installed.
__path__ = pkgutil.extend_path(__path__, __name__)
__version__ = "0.1.0"
