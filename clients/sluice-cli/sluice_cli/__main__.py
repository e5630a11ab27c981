import sys

from sluice_cli.main import main

sys.exit(main())
