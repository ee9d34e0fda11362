from qrnn.cli.main import main

raise SystemExit(main())
