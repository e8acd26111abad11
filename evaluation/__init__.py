"""Measuring the assistant's understanding: held-out and blind sets, in process and at the door.

Used by the benchmarks (``scripts/bench_nlu.py``, ``scripts/eval_answers.py``) and the tests
(``tests/nlu/``, ``tests/e2e/test_door_evaluation.py``), never by the running assistant: these
modules read the labelled sets under ``tests/``, which runtime code does not.
"""
