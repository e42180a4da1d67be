from opslag.cli import main

raise SystemExit(main())
