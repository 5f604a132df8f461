from grounded.cli.start import main

main()
