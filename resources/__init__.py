"""Icons and desktop files, shipped as package data (read with importlib.resources)."""
