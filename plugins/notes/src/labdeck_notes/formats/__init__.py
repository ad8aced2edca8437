"""Workshop layouts of other ecosystems (Educates, Killercoda), each read into the same ``workshop.Workshop``."""
