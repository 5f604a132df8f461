from grounded.cli.main import main

main()
