"""The tool's version (also `registry.__version__`): one place, imported by what prints or
hashes it, so no module needs the top-level package."""

__version__ = "0.1.0"
