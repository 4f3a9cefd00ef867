from postretry_gui.app import main

raise SystemExit(main())
