"""The catalogue's texts, one module per feature; importing a module registers its texts."""
