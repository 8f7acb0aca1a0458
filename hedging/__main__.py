from hedging.cli import main

raise SystemExit(main())
