"""Start the studio: settings -> database -> registry -> UI -> queue().launch().  `python app.py --help`"""
import sys

import neurocanvas  # noqa: F401  (sets OMP_WAIT_POLICY and friends before any heavy import)
from neurocanvas.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
