"""A static site generator for archives of documented incidents."""

# The engine's version, written here alone: pyproject.toml reads it for the package, `--version`
# prints it, and `init` pins it in a new archive's requirements.txt. CHANGELOG.md says what each
# version changed for archives.
__version__ = "0.1.0"
