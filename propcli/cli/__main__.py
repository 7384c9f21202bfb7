from propcli.cli import main

main()
