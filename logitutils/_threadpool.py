"""Let threadpoolctl see and limit logitutils' thread pool.

``threadpoolctl.threadpool_limits(1)`` is how scikit-learn, joblib and many
test runners stop nested parallelism. threadpoolctl finds thread pools by
the shared libraries a process has loaded; logitutils is pure Python, so
its controller is matched to NumPy's core extension module, which is
loaded whenever logitutils is. threadpoolctl is optional: without it this
module does nothing.
"""

from . import _blocks

try:
    import threadpoolctl
except ImportError:  # pragma: no cover - threadpoolctl is in requirements.txt
    threadpoolctl = None

_REGISTERED = False


if threadpoolctl is not None and hasattr(threadpoolctl, "LibController"):

    class LogitutilsController(threadpoolctl.LibController):
        """threadpoolctl's view of :func:`logitutils.set_num_threads`."""

        user_api = "logitutils"
        internal_api = "logitutils"
        filename_prefixes = ("_multiarray_umath",)

        def get_num_threads(self):
            return _blocks.get_num_threads()

        def set_num_threads(self, num_threads):
            _blocks.set_num_threads(num_threads)

        def get_version(self):
            from importlib.metadata import PackageNotFoundError, version

            try:
                return version("logitutils")
            except PackageNotFoundError:
                return None

    threadpoolctl.register(LogitutilsController)
    _REGISTERED = True
