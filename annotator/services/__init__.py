"""Use cases shared by the command line and the window (import, export, stats...)."""
