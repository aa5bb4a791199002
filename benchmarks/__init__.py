"""ucsql benchmarks: python benchmarks/run.py [--quick] [--only SECTIONS]."""
