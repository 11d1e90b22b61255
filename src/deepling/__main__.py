import sys

from deepling.cli import main

sys.exit(main())
