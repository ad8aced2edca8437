"""Workshop formats other than the homeroom-era layouts workshop.py reads itself."""
