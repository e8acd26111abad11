"""Custom Rasa components of the assistant, and the NLU evaluation helpers shared by the
benchmark (scripts/bench_nlu.py) and the held-out tests (tests/nlu/)."""
