try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("rnnlti")
except Exception:  # running from a source tree without an install
    __version__ = "0.1.0"
