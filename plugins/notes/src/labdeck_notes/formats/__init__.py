"""Workshop layouts of other ecosystems, each read into the same ``workshop.Workshop``."""
