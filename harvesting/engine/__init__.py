"""The pure harvesting engine: plain Python on frozen dataclasses. It never imports Django."""
