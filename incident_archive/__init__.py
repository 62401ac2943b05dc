"""A static site generator for archives of documented incidents."""

__version__ = "0.1.0"
