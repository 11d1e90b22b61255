"""The image tray: edited and uploaded images kept beside the dataset, usable by every view."""
