"""Any one image, a dataset image (``?index=``) or a tray image (``?tray=``): which image a
request names (``refs``), and what the model makes of it (``routes``: pixels as the model sees
them, predictions, activations). One URL family, ``/api/image/...``, for every view."""
