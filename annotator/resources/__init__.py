"""Runtime resources shipped as package data (default scheme, stylesheets, icons)."""
