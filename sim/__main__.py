import sys

from sim.cli.ccsim import main

sys.exit(main())
