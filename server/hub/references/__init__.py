"""Citations: BibTeX files and reference libraries merged into one index by citekey."""
