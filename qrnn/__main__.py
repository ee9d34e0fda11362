from qrnn.cli import main

raise SystemExit(main())
