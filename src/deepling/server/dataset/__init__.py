"""The served dataset: its description, its image list and thumbnail sprite sheets."""
