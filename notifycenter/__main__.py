from notifycenter.cli import main

main()
