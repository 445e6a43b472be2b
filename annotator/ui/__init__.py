"""The window: the only package that imports PySide6 (imported lazily by the CLI)."""
