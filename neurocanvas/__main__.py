import sys

from neurocanvas.cli import main

sys.exit(main())
